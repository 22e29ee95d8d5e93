package dev.kproxy.dns;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The UDP side of the server: one datagram is one query. */
final class UdpListener {

  private static final Logger log = LoggerFactory.getLogger(UdpListener.class);

  private UdpListener() {}

  /** Binds or throws the bind failure (e.g. {@link java.net.BindException}). */
  static BoundChannel bind(EventLoopGroup group, InetSocketAddress address, QueryHandler queries)
      throws InterruptedException {
    Channel channel = new Bootstrap()
        .group(group)
        .channel(NioDatagramChannel.class)
        .handler(new Handler(queries))
        .bind(address)
        .sync()
        .channel();
    return new BoundChannel(channel);
  }

  private static final class Handler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final QueryHandler queries;

    Handler(QueryHandler queries) {
      this.queries = queries;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      byte[] wire = ByteBufUtil.getBytes(packet.content()); // the packet is released on return
      InetSocketAddress sender = packet.sender();
      queries.handle(wire, QueryHandler.Transport.UDP).thenAccept(reply -> {
        if (reply != null && reply.length > 0 && ctx.channel().isActive()) {
          ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply), sender))
              .addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // One client's failure (e.g. an unreachable sender) must not stop the socket.
      log.debug("UDP DNS: {}", cause.toString());
    }
  }
}

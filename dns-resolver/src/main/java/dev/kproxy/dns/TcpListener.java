package dev.kproxy.dns;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP side: each message has a two-byte length prefix (RFC 1035 section 4.2.2); a connection
 * may carry many queries, answered as they complete (RFC 7766 section 6.2.1.1), and is closed
 * after {@value #IDLE_SECONDS} s without a query.
 */
final class TcpListener {

  static final int IDLE_SECONDS = 30;

  private static final Logger log = LoggerFactory.getLogger(TcpListener.class);

  private TcpListener() {}

  static BoundChannel bind(EventLoopGroup group, InetSocketAddress address, QueryHandler queries)
      throws InterruptedException {
    Channel channel = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(
                new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS),
                new LengthFieldBasedFrameDecoder(65535 + 2, 0, 2, 0, 2),
                new LengthFieldPrepender(2),
                new Handler(queries));
          }
        })
        .bind(address)
        .sync()
        .channel();
    return new BoundChannel(channel);
  }

  private static final class Handler extends SimpleChannelInboundHandler<ByteBuf> {
    private final QueryHandler queries;

    Handler(QueryHandler queries) {
      this.queries = queries;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
      byte[] wire = ByteBufUtil.getBytes(frame);
      queries.handle(wire, QueryHandler.Transport.TCP).thenAccept(reply -> {
        if (reply != null && reply.length > 0 && ctx.channel().isActive()) {
          ctx.writeAndFlush(Unpooled.wrappedBuffer(reply));
        }
      });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("TCP DNS connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }
}

package dev.kproxy.sandbox.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * Copies one TCP connection's bytes to its peer as the kernel's NAT does for a real kube-proxy:
 * with backpressure (stop reading here while the peer cannot take more) and half-close (a FIN
 * here becomes a FIN there; both FINs close both sockets). Both channels need
 * {@code ALLOW_HALF_CLOSURE} and start with auto-read off.
 */
final class TcpRelay extends ChannelInboundHandlerAdapter {
    private final Channel peer;

    TcpRelay(Channel peer) {
        this.peer = peer;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.writeAndFlush(msg).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (!peer.isWritable()) {
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This side drained (or filled): reading the peer feeds this side, so follow its writability.
        peer.config().setAutoRead(ctx.channel().isWritable());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            Channel self = ctx.channel();
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (peer instanceof DuplexChannel duplex && peer.isActive()) {
                    duplex.shutdownOutput();
                }
                if (self instanceof DuplexChannel duplexSelf && duplexSelf.isOutputShutdown()) {
                    self.close();
                    peer.close();
                }
            });
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset on one side resets the relay; the peer sees the close.
        ctx.close();
    }
}

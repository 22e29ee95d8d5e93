package dev.kproxy.sandbox.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/** Pod socket events into a SPDY port-forward: bytes go out on the data stream, the pod's EOF ends it. */
final class PodToSpdyStream extends ChannelInboundHandlerAdapter {
    private final SpdyPortForwardSession session;
    private final SpdyStreamPair pair;

    PodToSpdyStream(SpdyPortForwardSession session, SpdyStreamPair pair) {
        this.session = session;
        this.pair = pair;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            session.fromPod(pair, buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            session.podFinished(pair);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.podFinished(pair);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.refreshFlow();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset from the pod ends its side like an EOF; channelInactive reports it.
        ctx.close();
    }
}

package dev.kproxy.sandbox.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

/** Pod socket events into the session: bytes read become data-channel frames, EOF ends the stream. */
final class PodToWebSocket extends SessionFlowHandler {
    private final PodConnection connection;

    PodToWebSocket(PortForwardSession session, PodConnection connection) {
        super(session);
        this.connection = connection;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            session.fromPod(connection, buf);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.podClosed(connection);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset from the pod is an ordinary end of stream for port-forward; the close reports it.
        ctx.close();
    }
}

package dev.kproxy.sandbox.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Base of the two handlers of a port-forward session (WebSocket side and pod side): a change in
 * either channel's writability may pause or resume reading on the other, so both re-derive the
 * session's flow.
 */
abstract class SessionFlowHandler extends ChannelInboundHandlerAdapter {
    protected final PortForwardSession session;

    SessionFlowHandler(PortForwardSession session) {
        this.session = session;
    }

    @Override
    public final void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.refreshFlow();
        ctx.fireChannelWritabilityChanged();
    }
}

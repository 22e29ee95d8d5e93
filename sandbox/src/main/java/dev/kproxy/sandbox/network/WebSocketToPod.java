package dev.kproxy.sandbox.network;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * WebSocket events into the session. Sits after a {@code WebSocketFrameAggregator}, so every data
 * frame here is a whole message, however the client fragmented it.
 */
final class WebSocketToPod extends SessionFlowHandler {

    WebSocketToPod(PortForwardSession session) {
        super(session);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof TextWebSocketFrame) {
                session.fromClient((WebSocketFrame) msg);
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame) {
                session.clientClosed();
            } else if (!(msg instanceof PongWebSocketFrame)) {
                session.protocolError(WebSocketCloseStatus.PROTOCOL_ERROR, "unexpected " + msg.getClass().getSimpleName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.clientGone();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            session.protocolError(WebSocketCloseStatus.MESSAGE_TOO_BIG, "message too big");
        } else if (cause instanceof CorruptedFrameException) {
            session.protocolError(WebSocketCloseStatus.PROTOCOL_ERROR, "corrupted frame");
        } else {
            ctx.close();
        }
    }
}

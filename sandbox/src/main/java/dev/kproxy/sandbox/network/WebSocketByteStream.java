package dev.kproxy.sandbox.network;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * A WebSocket seen as one byte stream, as apimachinery's tunneling connection sees it
 * (apimachinery/pkg/util/httpstream/wsstream/... {@code TunnelingConnection}, KEP-4006): the
 * payload of every binary message (and continuation frame) is the next bytes of the stream,
 * whatever the message boundaries; each buffer written becomes one binary message. A close frame
 * is EOF: it is answered with 1000 and the connection closes. Closing the channel from behind this
 * handler sends close 1000 first. Text messages are not part of the tunnel and close it with 1003.
 */
final class WebSocketByteStream extends ChannelDuplexHandler {
    private boolean closeSent;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
            ByteBuf bytes = ((WebSocketFrame) msg).content().retain();
            ReferenceCountUtil.release(msg);
            ctx.fireChannelRead(bytes);
            return;
        }
        try {
            if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame) {
                sendCloseThenClose(ctx, WebSocketCloseStatus.NORMAL_CLOSURE, ctx.newPromise());
            } else if (!(msg instanceof PongWebSocketFrame)) {
                sendCloseThenClose(ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE, ctx.newPromise());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf bytes) {
            ctx.write(new BinaryWebSocketFrame(bytes), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        sendCloseThenClose(ctx, WebSocketCloseStatus.NORMAL_CLOSURE, promise);
    }

    private void sendCloseThenClose(ChannelHandlerContext ctx, WebSocketCloseStatus status, ChannelPromise promise) {
        if (closeSent || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), "")).addListener((ChannelFutureListener) f -> ctx.close(promise));
    }
}

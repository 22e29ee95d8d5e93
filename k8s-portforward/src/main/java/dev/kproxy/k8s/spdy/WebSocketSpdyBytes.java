package dev.kproxy.k8s.spdy;

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
 * The tunnel carrier (KEP-4006): binary WebSocket messages carry a raw SPDY byte stream, with no
 * alignment between messages and SPDY frames (kubectl splits one DATA frame over three messages),
 * so inbound payloads go up as plain bytes for the SPDY decoder, and every outbound buffer becomes
 * one binary message. A close message is EOF; {@code close()} sends close 1000 first.
 */
final class WebSocketSpdyBytes extends ChannelDuplexHandler {

    private boolean closeSent;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
            ctx.fireChannelRead(((WebSocketFrame) msg).content());
        } else if (msg instanceof PingWebSocketFrame ping) {
            ctx.writeAndFlush(new PongWebSocketFrame(ping.content()));
        } else if (msg instanceof CloseWebSocketFrame) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        } else if (msg instanceof WebSocketFrame frame) {
            frame.release(); // pongs, and text the tunnel never uses
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf buf) {
            // A DATA frame is our 8-byte header composed with the caller's bytes: one message,
            // which MaskingFrameEncoder copies and masks in one pass.
            ctx.write(new BinaryWebSocketFrame(buf), promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (closeSent || !ctx.channel().isActive()) {
            ctx.close(promise);
            return;
        }
        closeSent = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                .addListener((ChannelFutureListener) f -> ctx.close(promise));
    }
}

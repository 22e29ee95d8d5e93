package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;

import java.util.List;

/**
 * Client side of {@code v4.channel.k8s.io}, outbound: every ByteBuf written to the channel goes out
 * as binary messages {@code [0x00, payload]} on the data channel of port 0, at most
 * {@link #MAX_PAYLOAD} payload bytes each (the payload is not copied here; masking copies once
 * in the WebSocket encoder).
 *
 * <p>Closing the channel first sends a WebSocket close (1000), the only EOF this protocol has:
 * there is no half-close (runtimes stop forwarding when either direction ends).
 */
final class ChannelFrameEncoder extends MessageToMessageEncoder<ByteBuf> {

    /** Payload bytes per message: 64 KiB, so a message is 64 KiB + 1 with its channel byte. */
    static final int MAX_PAYLOAD = 64 * 1024;

    private boolean closeSent;

    ChannelFrameEncoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
        if (!msg.isReadable()) {
            // Relays write EMPTY_BUFFER to learn when earlier writes are flushed; it must not become
            // a message (and an encoder must output something): pass it on as the empty buffer it is.
            out.add(Unpooled.EMPTY_BUFFER);
            return;
        }
        while (msg.isReadable()) {
            int length = Math.min(MAX_PAYLOAD, msg.readableBytes());
            CompositeByteBuf message = ctx.alloc().compositeBuffer(2);
            message.addComponent(true, ctx.alloc().buffer(1).writeByte(ChannelFrame.DATA));
            message.addComponent(true, msg.readRetainedSlice(length));
            out.add(new BinaryWebSocketFrame(message));
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

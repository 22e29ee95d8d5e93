package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.util.List;

/**
 * Client side of {@code v4.channel.k8s.io}, inbound: binary WebSocket messages become
 * {@link ChannelFrame}s (first byte = channel, the rest = payload, no copy). A fragmented message
 * keeps the channel byte of its first fragment. Pings are answered; a close from the server goes up
 * as {@link ServerClose}, in order behind the frames before it, and the handler above closes the
 * channel (the {@link ChannelFrameEncoder} echoes the close frame on the way out, RFC 6455 §5.5.1).
 */
final class ChannelFrameDecoder extends MessageToMessageDecoder<WebSocketFrame> {

    private int fragmentChannel = -1;

    ChannelFrameDecoder() {
        super(WebSocketFrame.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof BinaryWebSocketFrame) {
            ByteBuf content = frame.content();
            if (!content.isReadable()) {
                // An empty message carries no channel byte; wsstream never sends one, nothing to deliver.
                return;
            }
            int channel = content.readUnsignedByte();
            fragmentChannel = frame.isFinalFragment() ? -1 : channel;
            deliver(channel, content, out);
        } else if (frame instanceof ContinuationWebSocketFrame) {
            if (fragmentChannel < 0) {
                protocolError(ctx, "a continuation frame arrived without a message to continue");
                return;
            }
            int channel = fragmentChannel;
            if (frame.isFinalFragment()) {
                fragmentChannel = -1;
            }
            deliver(channel, frame.content(), out);
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            out.add(ServerClose.INSTANCE); // closed by PortPrefixHandler or PortStreamHandler, after the frames before it
        } else if (!(frame instanceof PongWebSocketFrame)) {
            protocolError(ctx, "the API server sent a " + frame.getClass().getSimpleName()
                    + " on a v4.channel.k8s.io connection, which carries binary messages only");
        }
    }

    private static void deliver(int channel, ByteBuf payload, List<Object> out) {
        if (payload.isReadable()) {
            out.add(new ChannelFrame(channel, payload.retainedSlice()));
        }
    }

    /** Raised as is (not wrapped in a DecoderException) so the user sees the one-line message. */
    private static void protocolError(ChannelHandlerContext ctx, String message) {
        ctx.fireExceptionCaught(new PortForwardException(PortForwardException.Kind.PROTOCOL, message));
        ctx.close();
    }
}

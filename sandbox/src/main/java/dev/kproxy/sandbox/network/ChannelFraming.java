package dev.kproxy.sandbox.network;

import java.nio.ByteBuffer;
import java.util.Base64;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.CharsetUtil;

/**
 * The server side of the channel framing of apimachinery/pkg/util/httpstream/wsstream/conn.go:
 * binary protocols prefix each message with the channel byte; base64 protocols send a text
 * message of the character {@code '0'+channel} followed by the standard base64 of the payload.
 */
final class ChannelFraming {
    private final boolean base64;
    private final int channels;

    ChannelFraming(PortForwardProtocol protocol, int channels) {
        this.base64 = protocol.base64();
        this.channels = channels;
    }

    /** One decoded client message: the channel and its payload (owned by the caller). */
    record Message(int channel, ByteBuf payload) {
    }

    /**
     * Decodes one whole client message. Binary and text frames are both accepted, as Go's
     * {@code websocket.Message.Receive} accepts both; the negotiated protocol decides the codec.
     *
     * @throws Malformed for an empty message, a channel the request did not open, or bad base64
     */
    Message decode(WebSocketFrame frame) {
        ByteBuf content = frame.content();
        if (!content.isReadable()) {
            throw new Malformed("empty message: every message must start with a channel byte");
        }
        int channel = content.getUnsignedByte(content.readerIndex());
        if (base64) {
            channel -= '0';
        }
        if (channel < 0 || channel >= channels) {
            throw new Malformed("message for channel " + channel + ", but this connection has channels 0-" + (channels - 1));
        }
        ByteBuf rest = content.slice(content.readerIndex() + 1, content.readableBytes() - 1);
        if (!base64) {
            return new Message(channel, rest.retain());
        }
        try {
            ByteBuffer decoded = Base64.getDecoder().decode(rest.nioBuffer());
            return new Message(channel, Unpooled.wrappedBuffer(decoded));
        } catch (IllegalArgumentException e) {
            throw new Malformed("channel " + channel + ": payload is not valid base64");
        }
    }

    /** Frames a payload for a channel; takes ownership of {@code payload}. */
    WebSocketFrame encode(ByteBufAllocator alloc, int channel, ByteBuf payload) {
        if (base64) {
            try {
                byte[] raw = ByteBufUtil.getBytes(payload);
                String text = (char) ('0' + channel) + Base64.getEncoder().encodeToString(raw);
                return new TextWebSocketFrame(Unpooled.copiedBuffer(text, CharsetUtil.US_ASCII));
            } finally {
                payload.release();
            }
        }
        ByteBuf prefix = alloc.buffer(1).writeByte(channel);
        CompositeByteBuf message = alloc.compositeBuffer(2);
        message.addComponents(true, prefix, payload);
        return new BinaryWebSocketFrame(message);
    }

    /** A client message that breaks the framing; the connection is closed with a protocol error. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }
}

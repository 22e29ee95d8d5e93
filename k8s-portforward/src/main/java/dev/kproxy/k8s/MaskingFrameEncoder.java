package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.internal.PlatformDependent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client's WebSocket frame encoder (RFC 6455 section 5.2/5.3: every client frame is masked with
 * a fresh 32-bit key), which masks the payload eight bytes at a time in one contiguous copy.
 *
 * <p>Why not Netty's {@code WebSocket08FrameEncoder}: it masks an int at a time through
 * {@code ByteBuf.getInt}/{@code writeInt}, each with its own index and reference-count checks, and
 * on a composite payload each read looks up its component. On the port-forward paths that was the
 * largest single cost per byte sent (62 of 215 event-loop samples in the transport benchmark, more
 * than TLS). Here the payload, composite or not, is masked as longs while it is copied into the
 * frame, with plain memory access on direct buffers (through {@code ByteBuffer} the checked
 * accesses still took about 30 % of the event loop's samples).
 *
 * <p>{@link #replaceIn} swaps it for the encoder the handshaker installed, once the 101 arrived.
 */
public final class MaskingFrameEncoder extends MessageToMessageEncoder<WebSocketFrame> implements WebSocketFrameEncoder {

    private static final int OPCODE_CONTINUATION = 0x0;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;
    private static final int OPCODE_CLOSE = 0x8;
    private static final int OPCODE_PING = 0x9;
    private static final int OPCODE_PONG = 0xA;

    public MaskingFrameEncoder() {
        super(WebSocketFrame.class);
    }

    /** Replaces the WebSocket encoder the handshaker put in {@code pipeline} by this one. */
    public static void replaceIn(ChannelPipeline pipeline) {
        ChannelHandlerContext installed = pipeline.context(WebSocketFrameEncoder.class);
        if (installed != null && !(installed.handler() instanceof MaskingFrameEncoder)) {
            pipeline.replace(installed.handler(), installed.name(), new MaskingFrameEncoder());
        }
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        ByteBuf payload = frame.content();
        int length = payload.readableBytes();
        int opcode = opcode(frame);
        if (opcode >= OPCODE_CLOSE && length > 125) {
            throw new TooLongFrameException("a WebSocket control frame carries at most 125 bytes, not " + length);
        }
        int lengthBytes = length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8;
        ByteBuf encoded = ctx.alloc().buffer(2 + lengthBytes + 4 + length);
        try {
            encoded.writeByte((frame.isFinalFragment() ? 0x80 : 0) | (frame.rsv() & 0x7) << 4 | opcode);
            if (lengthBytes == 0) {
                encoded.writeByte(0x80 | length);
            } else if (lengthBytes == 2) {
                encoded.writeByte(0x80 | 126).writeShort(length);
            } else {
                encoded.writeByte(0x80 | 127).writeLong(length);
            }
            // Not a secret (the key travels in clear before the payload), but it must not be
            // predictable by whoever chose the payload: RFC 6455 section 10.3.
            int key = ThreadLocalRandom.current().nextInt();
            encoded.writeInt(key);
            int start = encoded.writerIndex();
            maskedCopy(payload, payload.readerIndex(), length, encoded, start, key);
            encoded.writerIndex(start + length);
            out.add(encoded);
            encoded = null;
        } finally {
            if (encoded != null) {
                encoded.release();
            }
        }
    }

    /**
     * Copies {@code length} bytes of {@code src} into {@code dst} masked with {@code key}, in one pass
     * over each part of {@code src}. A composite (the SPDY tunnel's 8-byte header and its payload)
     * is read part by part: {@code ByteBuf.writeBytes} of a composite first merges it into a
     * temporary buffer, which was a tenth of the event loop's samples in the transport benchmark.
     */
    static void maskedCopy(ByteBuf src, int srcIndex, int length, ByteBuf dst, int dstIndex, int key) {
        if (length == 0) {
            return;
        }
        if (!dst.hasMemoryAddress() || !PlatformDependent.hasUnsafe()) {
            src.getBytes(srcIndex, dst, dstIndex, length); // a composite copies component by component
            mask(dst, dstIndex, length, key);
            return;
        }
        ByteBuffer[] parts = src.nioBufferCount() == 1
                ? new ByteBuffer[] {src.nioBuffer(srcIndex, length)}
                : src.nioBuffers(srcIndex, length);
        int done = 0;
        for (ByteBuffer part : parts) {
            int n = part.remaining();
            // The key restarts every four bytes of the frame, so a part that starts mid-key starts with a turned key.
            int partKey = Integer.rotateLeft(key, 8 * (done & 3));
            if (part.isDirect()) {
                maskedCopy(PlatformDependent.directBufferAddress(part) + part.position(), dst.memoryAddress() + dstIndex + done, n, partKey);
            } else {
                dst.setBytes(dstIndex + done, part);
                mask(dst, dstIndex + done, n, partKey);
            }
            done += n;
        }
    }

    private static void maskedCopy(long from, long to, int length, int key) {
        long key64 = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        long word = PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? key64 : Long.reverseBytes(key64);
        int whole = length & ~7;
        int done = 0;
        for (; done < whole; done += 8) {
            PlatformDependent.putLong(to + done, PlatformDependent.getLong(from + done) ^ word);
        }
        for (; done < length; done++) {
            PlatformDependent.putByte(to + done, (byte) (PlatformDependent.getByte(from + done) ^ key >>> 24 - 8 * (done & 3)));
        }
    }

    /** XORs {@code length} bytes at {@code index} with the key repeated, as RFC 6455 section 5.3 says. */
    static void mask(ByteBuf buf, int index, int length, int key) {
        if (buf.hasMemoryAddress() && PlatformDependent.hasUnsafe()) {
            // The pooled direct buffers Netty allocates here: plain loads and stores, no bounds or
            // reference-count check per word (the frame is ours and its bounds were set above).
            long address = buf.memoryAddress() + index;
            maskedCopy(address, address, length, key); // in place
            return;
        }
        long key64 = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        int whole = length & ~7;
        int done = 0;
        if (whole > 0 && buf.nioBufferCount() == 1) {
            ByteBuffer bytes = buf.internalNioBuffer(index, length);
            long word = bytes.order() == ByteOrder.BIG_ENDIAN ? key64 : Long.reverseBytes(key64);
            int base = bytes.position();
            for (; done < whole; done += 8) {
                bytes.putLong(base + done, bytes.getLong(base + done) ^ word);
            }
        }
        for (; done < length; done++) {
            int at = index + done;
            buf.setByte(at, buf.getByte(at) ^ key >>> 24 - 8 * (done & 3));
        }
    }

    private static int opcode(WebSocketFrame frame) {
        if (frame instanceof BinaryWebSocketFrame) {
            return OPCODE_BINARY;
        } else if (frame instanceof ContinuationWebSocketFrame) {
            return OPCODE_CONTINUATION;
        } else if (frame instanceof TextWebSocketFrame) {
            return OPCODE_TEXT;
        } else if (frame instanceof CloseWebSocketFrame) {
            return OPCODE_CLOSE;
        } else if (frame instanceof PingWebSocketFrame) {
            return OPCODE_PING;
        } else if (frame instanceof PongWebSocketFrame) {
            return OPCODE_PONG;
        }
        throw new UnsupportedOperationException("cannot encode a " + frame.getClass().getSimpleName());
    }
}

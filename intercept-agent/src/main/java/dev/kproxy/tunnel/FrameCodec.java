package dev.kproxy.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes tunnel frames. Every frame is a 10-byte header (type, flags, stream id, payload
 * length, all big-endian as in RFC 9113 section 4.1) followed by its payload. Decoding is strict: the
 * header is judged before the payload is awaited, so a bad length never makes the reader wait for or
 * buffer bytes it would reject anyway.
 */
public final class FrameCodec {
    public static final int VERSION = 1;
    public static final int HEADER_LENGTH = 10;
    public static final int MAX_DATA_PAYLOAD = 64 * 1024;
    /** OPEN metadata: port (2), address length (1), address (4 or 16), client port (2). */
    private static final int OPEN_MIN_METADATA = 2 + 1 + 4 + 2;
    private static final int OPEN_MAX_METADATA = 2 + 1 + 16 + 2;
    /** An OPEN's first bytes are limited like one DATA frame. */
    public static final int MAX_OPEN_PAYLOAD = OPEN_MAX_METADATA + MAX_DATA_PAYLOAD;
    /** Largest encoded frame: a reader's buffer of this size always holds one whole frame. */
    public static final int MAX_FRAME_LENGTH = HEADER_LENGTH + MAX_OPEN_PAYLOAD;
    private static final int HELLO_PAYLOAD = 2 + 1 + 4;

    private FrameCodec() {
    }

    public static byte[] encode(Frame frame) {
        ByteBuffer buffer = ByteBuffer.allocate(encodedLength(frame));
        encode(frame, buffer);
        return buffer.array();
    }

    public static int encodedLength(Frame frame) {
        return HEADER_LENGTH + payloadLength(frame);
    }

    /** Writes the frame at the buffer's position; the buffer needs {@link #encodedLength} bytes of room. */
    public static void encode(Frame frame, ByteBuffer out) {
        encodeHeader(frame, out);
        switch (frame.type()) {
            case HELLO -> {
                Frame.Hello hello = (Frame.Hello) frame;
                out.putShort((short) hello.version());
                out.put((byte) hello.role().code());
                out.putInt(hello.initialWindow());
            }
            case OPEN -> {
                OpenRequest request = ((Frame.Open) frame).request();
                byte[] address = request.clientAddress().getAddress().getAddress();
                out.putShort((short) request.interceptedPort());
                out.put((byte) address.length);
                out.put(address);
                out.putShort((short) request.clientAddress().getPort());
                out.put(request.initialBytes());
            }
            case DATA -> out.put(((Frame.Data) frame).bytes());
            case HALF_CLOSE -> {
            }
            case RESET -> out.put(((Frame.Reset) frame).reason().getBytes(StandardCharsets.UTF_8));
            case WINDOW_UPDATE -> out.putInt(((Frame.WindowUpdate) frame).increment());
            case PING -> out.putLong(((Frame.Ping) frame).payload());
            case PONG -> out.putLong(((Frame.Pong) frame).payload());
            case GOAWAY -> out.put(((Frame.GoAway) frame).reason().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Writes only the 10-byte header; the writer uses it to send a DATA payload straight from the frame's
     * array instead of copying it into an encoded frame first.
     */
    public static void encodeHeader(Frame frame, ByteBuffer out) {
        out.put((byte) frame.type().code());
        out.put((byte) 0);
        out.putInt(frame.streamId());
        out.putInt(payloadLength(frame));
    }

    private static int payloadLength(Frame frame) {
        return switch (frame.type()) {
            case HELLO -> HELLO_PAYLOAD;
            case OPEN -> {
                OpenRequest request = ((Frame.Open) frame).request();
                int metadata = 2 + 1 + request.clientAddress().getAddress().getAddress().length + 2;
                int length = metadata + request.initialBytes().length;
                if (request.initialBytes().length > MAX_DATA_PAYLOAD) {
                    throw new IllegalArgumentException("OPEN carries at most " + MAX_DATA_PAYLOAD + " first bytes");
                }
                yield length;
            }
            case DATA -> ((Frame.Data) frame).bytes().length;
            case HALF_CLOSE -> 0;
            case RESET -> ((Frame.Reset) frame).reason().getBytes(StandardCharsets.UTF_8).length;
            case WINDOW_UPDATE -> 4;
            case PING, PONG -> 8;
            case GOAWAY -> ((Frame.GoAway) frame).reason().getBytes(StandardCharsets.UTF_8).length;
        };
    }

    /**
     * Decodes one frame from the buffer's readable bytes.
     *
     * @return the frame (the position moves past it), or null when more bytes are needed (the position stays)
     * @throws TunnelProtocolException when the bytes are not a valid frame; the message is a GOAWAY reason
     */
    public static Frame decode(ByteBuffer in) throws TunnelProtocolException {
        if (in.remaining() < HEADER_LENGTH) {
            return null;
        }
        int start = in.position();
        int typeCode = in.get(start) & 0xFF;
        int flags = in.get(start + 1) & 0xFF;
        int streamId = in.getInt(start + 2);
        long length = in.getInt(start + 6) & 0xFFFFFFFFL;
        FrameType type = FrameType.ofCode(typeCode);
        if (type == null) {
            throw new TunnelProtocolException("unknown frame type 0x" + Integer.toHexString(typeCode));
        }
        if (flags != 0) {
            throw new TunnelProtocolException(type + " frame with unknown flags 0x" + Integer.toHexString(flags));
        }
        validateStreamId(type, streamId);
        validateLength(type, length);
        if (in.remaining() < HEADER_LENGTH + length) {
            return null;
        }
        ByteBuffer payload = in.slice(start + HEADER_LENGTH, (int) length);
        Frame frame = decodePayload(type, streamId, payload);
        in.position(start + HEADER_LENGTH + (int) length);
        return frame;
    }

    private static void validateStreamId(FrameType type, int streamId) throws TunnelProtocolException {
        if (type.isTunnelFrame() && streamId != 0) {
            throw new TunnelProtocolException(type + " frame must use stream id 0, not " + Integer.toUnsignedString(streamId));
        }
        if (!type.isTunnelFrame() && streamId <= 0) {
            throw new TunnelProtocolException(type + " frame needs a stream id from 1 to 2^31-1, not "
                    + Integer.toUnsignedString(streamId));
        }
    }

    private static void validateLength(FrameType type, long length) throws TunnelProtocolException {
        boolean valid = switch (type) {
            case HELLO -> length == HELLO_PAYLOAD;
            case OPEN -> length >= OPEN_MIN_METADATA && length <= MAX_OPEN_PAYLOAD;
            case DATA -> length >= 1 && length <= MAX_DATA_PAYLOAD;
            case HALF_CLOSE -> length == 0;
            case RESET, GOAWAY -> length <= ReasonText.MAX_BYTES;
            case WINDOW_UPDATE -> length == 4;
            case PING, PONG -> length == 8;
        };
        if (!valid) {
            throw new TunnelProtocolException(type + " frame with invalid payload length " + length);
        }
    }

    private static Frame decodePayload(FrameType type, int streamId, ByteBuffer payload) throws TunnelProtocolException {
        return switch (type) {
            case HELLO -> decodeHello(payload);
            case OPEN -> new Frame.Open(streamId, decodeOpen(payload));
            case DATA -> new Frame.Data(streamId, remainingBytes(payload));
            case HALF_CLOSE -> new Frame.HalfClose(streamId);
            case RESET -> new Frame.Reset(streamId, decodeReason(type, payload));
            case WINDOW_UPDATE -> {
                int increment = payload.getInt();
                if (increment < 1) {
                    throw new TunnelProtocolException("WINDOW_UPDATE with increment "
                            + Integer.toUnsignedString(increment) + " (must be 1 to 2^31-1)");
                }
                yield new Frame.WindowUpdate(streamId, increment);
            }
            case PING -> new Frame.Ping(payload.getLong());
            case PONG -> new Frame.Pong(payload.getLong());
            case GOAWAY -> new Frame.GoAway(decodeReason(type, payload));
        };
    }

    private static Frame decodeHello(ByteBuffer payload) throws TunnelProtocolException {
        int version = payload.getShort() & 0xFFFF;
        int roleCode = payload.get() & 0xFF;
        int window = payload.getInt();
        Role role = Role.ofCode(roleCode);
        if (role == null) {
            throw new TunnelProtocolException("HELLO with unknown role " + roleCode);
        }
        if (window < 1) {
            throw new TunnelProtocolException("HELLO with initial window " + Integer.toUnsignedString(window)
                    + " (must be 1 to 2^31-1)");
        }
        return new Frame.Hello(version, role, window);
    }

    private static OpenRequest decodeOpen(ByteBuffer payload) throws TunnelProtocolException {
        int port = payload.getShort() & 0xFFFF;
        int addressLength = payload.get() & 0xFF;
        if (addressLength != 4 && addressLength != 16) {
            throw new TunnelProtocolException("OPEN with client address length " + addressLength + " (must be 4 or 16)");
        }
        if (payload.remaining() < addressLength + 2) {
            throw new TunnelProtocolException("OPEN too short for its client address");
        }
        byte[] address = new byte[addressLength];
        payload.get(address);
        int clientPort = payload.getShort() & 0xFFFF;
        if (port == 0) {
            throw new TunnelProtocolException("OPEN with intercepted port 0");
        }
        if (payload.remaining() > MAX_DATA_PAYLOAD) {
            throw new TunnelProtocolException("OPEN with more than " + MAX_DATA_PAYLOAD + " first bytes");
        }
        try {
            InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(address), clientPort);
            return new OpenRequest(port, client, remainingBytes(payload));
        } catch (UnknownHostException e) {
            throw new TunnelProtocolException("OPEN with an invalid client address");
        }
    }

    private static String decodeReason(FrameType type, ByteBuffer payload) throws TunnelProtocolException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(payload)
                    .toString();
        } catch (CharacterCodingException e) {
            throw new TunnelProtocolException(type + " reason is not valid UTF-8");
        }
    }

    private static byte[] remainingBytes(ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        return bytes;
    }
}

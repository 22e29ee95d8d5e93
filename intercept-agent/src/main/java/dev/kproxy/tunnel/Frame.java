package dev.kproxy.tunnel;

import java.util.Arrays;

/** One tunnel frame; {@link FrameCodec} turns these into bytes and back. */
public sealed interface Frame {

    FrameType type();

    /** 0 for frames about the whole tunnel. */
    int streamId();

    /** First frame in each direction: protocol version, the sender's role, the window each new stream starts with. */
    record Hello(int version, Role role, int initialWindow) implements Frame {
        public Hello {
            if (version < 0 || version > 0xFFFF) {
                throw new IllegalArgumentException("version out of range: " + version);
            }
            if (role == null || initialWindow < 1) {
                throw new IllegalArgumentException("role required and initial window must be positive");
            }
        }

        public FrameType type() {
            return FrameType.HELLO;
        }

        public int streamId() {
            return 0;
        }
    }

    record Open(int streamId, OpenRequest request) implements Frame {
        public Open {
            requirePositive(streamId);
        }

        public FrameType type() {
            return FrameType.OPEN;
        }
    }

    record Data(int streamId, byte[] bytes) implements Frame {
        public Data {
            requirePositive(streamId);
            if (bytes.length < 1 || bytes.length > FrameCodec.MAX_DATA_PAYLOAD) {
                throw new IllegalArgumentException("DATA carries 1.." + FrameCodec.MAX_DATA_PAYLOAD + " bytes, not " + bytes.length);
            }
        }

        public FrameType type() {
            return FrameType.DATA;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Data other && streamId == other.streamId && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * streamId + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Data[stream=" + streamId + ", bytes=" + bytes.length + "]";
        }
    }

    /** The sender will send no more DATA on this stream (a TCP FIN). */
    record HalfClose(int streamId) implements Frame {
        public HalfClose {
            requirePositive(streamId);
        }

        public FrameType type() {
            return FrameType.HALF_CLOSE;
        }
    }

    /** Abort the stream in both directions. */
    record Reset(int streamId, String reason) implements Frame {
        public Reset {
            requirePositive(streamId);
            reason = ReasonText.oneLine(reason);
        }

        public FrameType type() {
            return FrameType.RESET;
        }
    }

    /** The receiver's application consumed this many more bytes of the stream; the sender may send them. */
    record WindowUpdate(int streamId, int increment) implements Frame {
        public WindowUpdate {
            requirePositive(streamId);
            if (increment < 1) {
                throw new IllegalArgumentException("window increment must be positive: " + increment);
            }
        }

        public FrameType type() {
            return FrameType.WINDOW_UPDATE;
        }
    }

    record Ping(long payload) implements Frame {
        public FrameType type() {
            return FrameType.PING;
        }

        public int streamId() {
            return 0;
        }
    }

    record Pong(long payload) implements Frame {
        public FrameType type() {
            return FrameType.PONG;
        }

        public int streamId() {
            return 0;
        }
    }

    /** The sender is closing the tunnel, and says why. */
    record GoAway(String reason) implements Frame {
        public GoAway {
            reason = ReasonText.oneLine(reason);
        }

        public FrameType type() {
            return FrameType.GOAWAY;
        }

        public int streamId() {
            return 0;
        }
    }

    private static void requirePositive(int streamId) {
        if (streamId < 1) {
            throw new IllegalArgumentException("stream id must be positive: " + streamId);
        }
    }
}

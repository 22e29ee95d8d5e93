package dev.kproxy.tunnel;

/** The frame types of tunnel protocol version 1, with their one-byte codes on the wire. */
public enum FrameType {
    HELLO(0x0),
    OPEN(0x1),
    DATA(0x2),
    HALF_CLOSE(0x3),
    RESET(0x4),
    WINDOW_UPDATE(0x5),
    PING(0x6),
    PONG(0x7),
    GOAWAY(0x8);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** Frames that belong to the whole tunnel carry stream id 0; all others a stream id above 0. */
    public boolean isTunnelFrame() {
        return this == HELLO || this == PING || this == PONG || this == GOAWAY;
    }

    /** The type with this code, or null for a code version 1 does not define. */
    public static FrameType ofCode(int code) {
        for (FrameType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}

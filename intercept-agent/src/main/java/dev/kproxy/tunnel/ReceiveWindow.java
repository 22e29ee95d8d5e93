package dev.kproxy.tunnel;

/**
 * How many more bytes the peer may send on one stream. Credit goes back to the peer only as the local
 * application consumes bytes, never when they merely arrive: a slow reader then stops its own stream and
 * nothing else, and the memory a stream can hold is bounded by its window. Credit is returned in batches of
 * a quarter window so WINDOW_UPDATEs stay rare while the sender never runs dry on a fast path.
 * Not thread-safe; its stream guards it.
 */
final class ReceiveWindow {
    private final int initial;
    private final int batch;
    private long remaining;
    private long consumedNotCredited;

    ReceiveWindow(int initial) {
        this.initial = initial;
        this.batch = Math.max(1, initial / 4);
        this.remaining = initial;
    }

    /** Accounts bytes that arrived; more than the granted window is the peer's error. */
    void received(int bytes, int streamId) throws TunnelProtocolException {
        if (bytes > remaining) {
            throw new TunnelProtocolException("flow control violated on stream " + streamId + ": " + bytes
                    + " bytes sent with only " + remaining + " of the " + initial + "-byte window left");
        }
        remaining -= bytes;
    }

    /** Accounts bytes the application read; returns the credit to send now in a WINDOW_UPDATE, or 0. */
    int consumed(int bytes) {
        consumedNotCredited += bytes;
        if (consumedNotCredited < batch) {
            return 0;
        }
        int credit = (int) consumedNotCredited;
        consumedNotCredited = 0;
        remaining += credit;
        return credit;
    }
}

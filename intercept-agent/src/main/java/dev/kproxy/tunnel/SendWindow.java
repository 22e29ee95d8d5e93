package dev.kproxy.tunnel;

/**
 * How many more bytes this side may send on one stream: starts at the window the peer granted in its
 * HELLO, shrinks as DATA is sent, grows by the peer's WINDOW_UPDATEs. Not thread-safe; its stream guards it.
 */
final class SendWindow {
    private long available;

    SendWindow(int initial) {
        this.available = initial;
    }

    int available() {
        return (int) Math.min(available, Integer.MAX_VALUE);
    }

    /** Reserves up to {@code wanted} bytes (none when the window is closed) and returns how many. */
    int take(int wanted) {
        int granted = (int) Math.min(wanted, available);
        available -= granted;
        return granted;
    }

    /** Adds the peer's credit; a window above 2^31-1 is the peer's error (RFC 9113 section 6.9.1). */
    void credit(int increment) throws TunnelProtocolException {
        if (available + increment > Integer.MAX_VALUE) {
            throw new TunnelProtocolException("WINDOW_UPDATE would grow a stream window past 2^31-1");
        }
        available += increment;
    }
}

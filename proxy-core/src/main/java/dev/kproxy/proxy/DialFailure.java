package dev.kproxy.proxy;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

/**
 * Why a destination could not be reached, as a value: a {@link Kind} that selects each protocol's
 * error reply and a one-line message such as {@code quota.wjyl-dev:8080: connection refused}.
 * No stack trace: this is a user-facing outcome, not a bug.
 */
public final class DialFailure extends Exception {

    /** Failure kinds, with their SOCKS5 reply code (RFC 1928 section 6) and HTTP status. */
    public enum Kind {
        GENERAL(0x01, 502),
        NOT_ALLOWED(0x02, 403),
        NETWORK_UNREACHABLE(0x03, 502),
        HOST_UNREACHABLE(0x04, 502),
        REFUSED(0x05, 502),
        /** SOCKS5 calls it "TTL expired"; used for connect timeouts. */
        TIMED_OUT(0x06, 504);

        private final int socks5Reply;
        private final int httpStatus;

        Kind(int socks5Reply, int httpStatus) {
            this.socks5Reply = socks5Reply;
            this.httpStatus = httpStatus;
        }

        public int socks5Reply() {
            return socks5Reply;
        }

        /** SOCKS4 has a single failure code, 0x5B "request rejected or failed". */
        public int socks4Reply() {
            return 0x5B;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private static final long serialVersionUID = 1L;

    private final Kind kind;

    public DialFailure(Kind kind, String message) {
        this(kind, message, null);
    }

    public DialFailure(Kind kind, String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause, false, false);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public Kind kind() {
        return kind;
    }

    /** Turns whatever a dialer failed with into a DialFailure naming the destination. */
    public static DialFailure classify(Destination destination, Throwable cause) {
        if (cause instanceof DialFailure failure) {
            return failure;
        }
        String where = destination.hostAndPort() + ": ";
        String detail = cause.getMessage() == null ? "" : cause.getMessage().toLowerCase(Locale.ROOT);
        if (cause instanceof UnknownHostException) {
            return new DialFailure(Kind.HOST_UNREACHABLE, where + "unknown host", cause);
        }
        if (cause instanceof ConnectTimeoutException || cause instanceof SocketTimeoutException) {
            return new DialFailure(Kind.TIMED_OUT, where + "connect timed out", cause);
        }
        if (cause instanceof NoRouteToHostException || detail.contains("no route to host")) {
            return new DialFailure(Kind.HOST_UNREACHABLE, where + "no route to host", cause);
        }
        if (detail.contains("network is unreachable")) {
            return new DialFailure(Kind.NETWORK_UNREACHABLE, where + "network is unreachable", cause);
        }
        if (cause instanceof ConnectException && detail.contains("refused")) {
            return new DialFailure(Kind.REFUSED, where + "connection refused", cause);
        }
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : firstLine(cause.getMessage());
        return new DialFailure(Kind.GENERAL, where + reason, cause);
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}

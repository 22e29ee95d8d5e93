package dev.kproxy.intercept;

/** A user error: one line saying what is wrong and what to do. Callers print the message, not a stack trace. */
public final class InterceptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InterceptException(String message) {
        super(message);
    }

    public InterceptException(String message, Throwable cause) {
        super(message, cause);
    }
}

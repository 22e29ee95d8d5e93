package dev.kproxy.launcher.daemon;

/** A refused daemon request; its message goes back to the CLI as one line. */
public final class DaemonError extends RuntimeException {
    public DaemonError(String message) {
        super(message, null, false, false);
    }
}

package dev.kproxy.tunnel;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies bytes both ways between two connection ends, one blocking thread per direction. End-of-stream in
 * one direction is passed on as a half-close while the other direction keeps flowing; a failure in either
 * direction aborts both ends.
 */
public final class Relay {
    private static final int BUFFER_SIZE = 64 * 1024;

    private final DuplexEnd first;
    private final DuplexEnd second;
    private final AtomicInteger finishedDirections = new AtomicInteger();
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    public Relay(DuplexEnd first, DuplexEnd second) {
        this.first = first;
        this.second = second;
    }

    /** Starts both directions; the future completes once both ended and both ends are closed. */
    public CompletableFuture<Void> start(Executor executor) {
        executor.execute(() -> pump(first, second));
        executor.execute(() -> pump(second, first));
        return done;
    }

    private void pump(DuplexEnd from, DuplexEnd to) {
        byte[] buffer = new byte[BUFFER_SIZE];
        try {
            int n;
            while ((n = from.input().read(buffer)) >= 0) {
                to.output().write(buffer, 0, n);
            }
            to.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            String reason = String.valueOf(e.getMessage());
            from.abort(reason);
            to.abort(reason);
        } finally {
            if (finishedDirections.incrementAndGet() == 2) {
                first.close();
                second.close();
                done.complete(null);
            }
        }
    }
}

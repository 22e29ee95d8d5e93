package dev.kproxy.tunnel;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a tunnel honest: PINGs it at a fixed interval and closes it when no frame at all has arrived for the
 * timeout. A peer that died without closing its byte stream (a frozen laptop behind a port-forward that
 * stays open) is noticed this way; a peer whose byte stream ends is noticed by the reader at once.
 */
public final class Heartbeat {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    private Heartbeat() {
    }

    /** Runs until the session closes (the scheduled task is cancelled then). */
    public static void start(TunnelSession session, ScheduledExecutorService scheduler, Duration interval, Duration timeout) {
        long timeoutNanos = timeout.toNanos();
        ScheduledFuture<?> task = scheduler.scheduleAtFixedRate(() -> {
            long silentNanos = System.nanoTime() - session.lastFrameNanos();
            if (silentNanos > timeoutNanos) {
                session.close("no frame from the " + session.role().peer().name().toLowerCase()
                        + " for " + TimeUnit.NANOSECONDS.toMillis(silentNanos) + " ms");
            } else {
                session.ping();
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        session.closed().whenComplete((reason, error) -> task.cancel(false));
    }
}

package dev.kproxy.sandbox.kubelet;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;

/**
 * Runs one probe periodically with the kubelet's thresholds (pkg/kubelet/prober/worker.go): the
 * result flips to success after {@code successThreshold} consecutive successes and to failure
 * after {@code failureThreshold} consecutive failures; each change is reported once. Attempts
 * run on the blocking pool, the timer on the scheduler, and never overlap.
 */
final class ProbeRunner implements AutoCloseable {
    private final ProbeAction action;
    private final Duration initialDelay;
    private final Duration period;
    private final Duration timeout;
    private final int successThreshold;
    private final int failureThreshold;
    private final ScheduledExecutorService scheduler;
    private final ExecutorService blocking;
    private final Consumer<Boolean> onChange;

    private Boolean result;
    private int successes;
    private int failures;
    private ScheduledFuture<?> next;
    private boolean closed;

    /**
     * @param initial  the result before any attempt: false for readiness, true for liveness, null for a
     *                 startup probe, whose first verdict either way is reported
     * @param onChange called with the new result, outside any lock of this runner
     */
    ProbeRunner(ProbeAction action, Duration initialDelay, Duration period, Duration timeout, int successThreshold,
                int failureThreshold, Boolean initial, ScheduledExecutorService scheduler, ExecutorService blocking,
                Consumer<Boolean> onChange) {
        this.action = action;
        this.initialDelay = initialDelay;
        this.period = period;
        this.timeout = timeout;
        this.successThreshold = Math.max(1, successThreshold);
        this.failureThreshold = Math.max(1, failureThreshold);
        this.result = initial;
        this.scheduler = scheduler;
        this.blocking = blocking;
        this.onChange = onChange;
    }

    /** A runner for a Kubernetes probe spec, with the API's defaults (period 10 s, timeout 1 s, thresholds 1 and 3). */
    static ProbeRunner forSpec(JsonNode probe, ProbeAction action, Boolean initial, ScheduledExecutorService scheduler,
                               ExecutorService blocking, Consumer<Boolean> onChange) {
        return new ProbeRunner(action,
                Duration.ofSeconds(probe.path("initialDelaySeconds").asInt(0)),
                Duration.ofSeconds(Math.max(1, probe.path("periodSeconds").asInt(10))),
                Duration.ofSeconds(Math.max(1, probe.path("timeoutSeconds").asInt(1))),
                probe.path("successThreshold").asInt(1),
                probe.path("failureThreshold").asInt(3),
                initial, scheduler, blocking, onChange);
    }

    synchronized void start() {
        schedule(initialDelay);
    }

    private synchronized void schedule(Duration delay) {
        if (closed) {
            return;
        }
        try {
            next = scheduler.schedule(() -> {
                try {
                    blocking.execute(this::attempt);
                } catch (RejectedExecutionException shuttingDown) {
                    close();
                }
            }, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            closed = true;
        }
    }

    private void attempt() {
        boolean ok = action.check(timeout);
        Boolean changed = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            if (ok) {
                failures = 0;
                successes++;
                if (!Boolean.TRUE.equals(result) && successes >= successThreshold) {
                    result = true;
                    changed = true;
                }
            } else {
                successes = 0;
                failures++;
                if (!Boolean.FALSE.equals(result) && failures >= failureThreshold) {
                    result = false;
                    changed = false;
                }
            }
        }
        if (changed != null) {
            onChange.accept(changed);
        }
        schedule(period);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
    }
}

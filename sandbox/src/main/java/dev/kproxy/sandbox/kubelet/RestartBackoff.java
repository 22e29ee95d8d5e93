package dev.kproxy.sandbox.kubelet;

import java.time.Duration;

/**
 * CrashLoopBackOff timing, scaled down for a laptop: the kubelet starts at 10 s and doubles to
 * 5 min (pkg/kubelet/kuberuntime/kuberuntime_manager.go, MaxContainerBackOff); the sandbox starts
 * at 1 s and doubles to 30 s. As there, a container that ran twice the cap without crashing has
 * its backoff reset.
 */
final class RestartBackoff {
    static final Duration INITIAL = Duration.ofSeconds(1);
    static final Duration CAP = Duration.ofSeconds(30);

    private Duration current = Duration.ZERO;

    /** The delay before the next attempt, after a run (or failed attempt) that lasted {@code ran}. */
    synchronized Duration next(Duration ran) {
        if (ran.compareTo(CAP.multipliedBy(2)) >= 0) {
            current = Duration.ZERO;
        }
        current = current.isZero() ? INITIAL : min(current.multipliedBy(2), CAP);
        return current;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}

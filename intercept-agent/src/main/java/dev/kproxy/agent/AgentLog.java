package dev.kproxy.agent;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** One line per event on stdout, where `kubectl logs` finds it; no dependency on a logging library. */
final class AgentLog {
    private AgentLog() {
    }

    static void info(String message) {
        System.out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " kproxy-agent: " + message);
    }
}

package dev.kproxy.jvmagent.hooks;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's only output: one line on stderr per distinct problem, so a noisy app stays readable. */
public final class Warnings {
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private Warnings() {
    }

    public static void once(String key, String message) {
        if (SAID.add(key)) {
            System.err.println("kproxy agent: " + message);
        }
    }
}

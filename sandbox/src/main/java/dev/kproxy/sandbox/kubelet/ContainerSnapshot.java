package dev.kproxy.sandbox.kubelet;

import java.time.Instant;

/**
 * A container's state at one moment, as {@code status.containerStatuses[]} reports it. Exactly one
 * of running (startedAt set, waitingReason and terminated null), waiting, or terminated holds.
 */
record ContainerSnapshot(String name, String image, String imageId, String containerId, boolean ready, boolean started,
                         int restartCount, Instant startedAt, String waitingReason, String waitingMessage,
                         Termination terminated, Termination lastTerminated) {

    /** One finished run of a container. */
    record Termination(int exitCode, String reason, Instant startedAt, Instant finishedAt, String containerId) {
        static Termination of(int exitCode, Instant startedAt, String containerId) {
            return new Termination(exitCode, exitCode == 0 ? "Completed" : "Error", startedAt, Instant.now(), containerId);
        }
    }

    boolean running() {
        return waitingReason == null && terminated == null;
    }
}

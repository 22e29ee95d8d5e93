package dev.kproxy.sandbox.api;

import tools.jackson.databind.JsonNode;

/** The pod columns whose value is derived, as printers.go printPod derives them. */
final class PodCells {
    private PodCells() {
    }

    static String ready(JsonNode pod) {
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            if (cs.path("ready").asBoolean(false)) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    static long restarts(JsonNode pod) {
        long sum = 0;
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            sum += cs.path("restartCount").asLong(0);
        }
        return sum;
    }

    /**
     * The phase, overridden by the pod's own reason, then by any container's waiting or
     * terminated reason (ImagePullBackOff, CrashLoopBackOff, Error), then by Terminating.
     */
    static String status(JsonNode pod) {
        JsonNode st = pod.path("status");
        String reason = st.path("phase").asString("");
        if (!st.path("reason").asString("").isEmpty()) {
            reason = st.path("reason").asString("");
        }
        boolean running = false;
        for (JsonNode cs : st.path("containerStatuses")) {
            JsonNode state = cs.path("state");
            String waiting = state.path("waiting").path("reason").asString("");
            JsonNode terminated = state.path("terminated");
            if (!waiting.isEmpty()) {
                reason = waiting;
            } else if (!terminated.isMissingNode() && !terminated.isNull()) {
                String why = terminated.path("reason").asString("");
                if (!why.isEmpty()) {
                    reason = why;
                } else if (terminated.path("signal").asInt(0) != 0) {
                    reason = "Signal:" + terminated.path("signal").asInt();
                } else {
                    reason = "ExitCode:" + terminated.path("exitCode").asInt();
                }
            } else if (cs.path("ready").asBoolean(false) && state.has("running")) {
                running = true;
            }
        }
        if ("Completed".equals(reason) && running) {
            reason = "Running";
        }
        if (!pod.path("metadata").path("deletionTimestamp").asString("").isEmpty()) {
            reason = "Terminating";
        }
        return reason.isEmpty() ? "Pending" : reason;
    }
}

package dev.kproxy.sandbox.controllers;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import tools.jackson.databind.JsonNode;

/**
 * What controllers read from a pod's status, after {@code k8s.io/kubernetes/pkg/api/v1/pod/util.go}
 * and {@code pkg/controller/controller_utils.go}.
 */
final class PodConditions {
    private PodConditions() {
    }

    static boolean isReady(JsonNode pod) {
        return readyCondition(pod).map(c -> c.path("status").asString("").equals("True")).orElse(false);
    }

    /** Running and Ready, the StatefulSet controller's notion of a healthy pod. */
    static boolean isRunningAndReady(JsonNode pod) {
        return phase(pod).equals("Running") && isReady(pod);
    }

    /** Ready for at least minReadySeconds ({@code podutil.IsPodAvailable}). */
    static boolean isAvailable(JsonNode pod, int minReadySeconds, Instant now) {
        if (!isReady(pod)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        return readySince(pod).map(t -> !t.plusSeconds(minReadySeconds).isAfter(now)).orElse(false);
    }

    /** When the Ready condition last turned True, if known. */
    static Optional<Instant> readySince(JsonNode pod) {
        return readyCondition(pod).flatMap(c -> parseTime(c.path("lastTransitionTime").asString("")));
    }

    static boolean isTerminating(JsonNode pod) {
        return pod.path("metadata").has("deletionTimestamp")
                && !pod.path("metadata").path("deletionTimestamp").isNull();
    }

    static boolean isTerminal(JsonNode pod) {
        String phase = phase(pod);
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    /** Counts toward a controller's replicas: not finished and not being deleted ({@code controller.IsPodActive}). */
    static boolean isActive(JsonNode pod) {
        return !isTerminal(pod) && !isTerminating(pod);
    }

    static String phase(JsonNode pod) {
        return pod.path("status").path("phase").asString("");
    }

    static int restartCount(JsonNode pod) {
        int total = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses").values()) {
            total += s.path("restartCount").asInt(0);
        }
        return total;
    }

    static Optional<Instant> parseTime(String rfc3339) {
        if (rfc3339.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(rfc3339));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<JsonNode> readyCondition(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions").values()) {
            if (c.path("type").asString("").equals("Ready")) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}

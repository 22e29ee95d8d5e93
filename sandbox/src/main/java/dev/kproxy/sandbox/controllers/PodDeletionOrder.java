package dev.kproxy.sandbox.controllers;

import java.time.Instant;
import java.util.Comparator;

import tools.jackson.databind.JsonNode;

/**
 * Which surplus pod a ReplicaSet deletes first, after {@code pkg/controller/controller_utils.go
 * ActivePods.Less}: unscheduled before scheduled, Pending before Unknown before Running, not ready
 * before ready, ready for less time before ready for longer, more restarts before fewer, newer
 * before older. Pod names break the remaining ties so the choice is deterministic.
 */
final class PodDeletionOrder {
    static final Comparator<JsonNode> FIRST_TO_DELETE = Comparator
            .comparing((JsonNode p) -> !p.path("spec").path("nodeName").asString("").isEmpty())
            .thenComparingInt(PodDeletionOrder::phaseRank)
            .thenComparing(PodConditions::isReady)
            .thenComparing((JsonNode p) -> PodConditions.readySince(p).orElse(Instant.MAX), Comparator.reverseOrder())
            .thenComparing(PodConditions::restartCount, Comparator.reverseOrder())
            .thenComparing(PodDeletionOrder::created, Comparator.reverseOrder())
            .thenComparing((JsonNode p) -> p.path("metadata").path("name").asString(""), Comparator.reverseOrder());

    private PodDeletionOrder() {
    }

    private static int phaseRank(JsonNode pod) {
        return switch (PodConditions.phase(pod)) {
            case "Pending", "" -> 0;
            case "Unknown" -> 1;
            default -> 2;
        };
    }

    private static Instant created(JsonNode pod) {
        return PodConditions.parseTime(pod.path("metadata").path("creationTimestamp").asString("")).orElse(Instant.MAX);
    }
}

package dev.kproxy.sandbox.controllers;

import java.util.List;

import dev.kproxy.sandbox.store.ObjectStore;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A Deployment's status from its ReplicaSets, after {@code pkg/controller/deployment/sync.go
 * calculateStatus} and {@code progress.go syncRolloutStatus}: counts, the Available condition
 * (minimum availability reached) and the Progressing condition (NewReplicaSetCreated,
 * FoundNewReplicaSet, ReplicaSetUpdated, and NewReplicaSetAvailable once the rollout is complete).
 * Conditions change only when status or reason does, so recomputing an unchanged status writes nothing.
 */
final class DeploymentStatusCalculator {
    static final String AVAILABLE = "Available";
    static final String PROGRESSING = "Progressing";
    static final String NEW_RS_AVAILABLE = "NewReplicaSetAvailable";

    private DeploymentStatusCalculator() {
    }

    /**
     * @param newRs        the ReplicaSet of the current template, or null while Recreate waits for old pods to go
     * @param createdNewRs whether this sync created newRs
     */
    static ObjectNode calculate(JsonNode deployment, List<? extends JsonNode> allRs, JsonNode newRs, boolean createdNewRs) {
        JsonNode old = deployment.path("status");
        int desired = deployment.path("spec").path("replicas").asInt(1);
        int available = sum(allRs, "status", "availableReplicas");
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("observedGeneration", deployment.path("metadata").path("generation").asLong(1));
        status.put("replicas", sum(allRs, "status", "replicas"));
        status.put("updatedReplicas", newRs == null ? 0 : newRs.path("status").path("replicas").asInt(0));
        status.put("readyReplicas", sum(allRs, "status", "readyReplicas"));
        status.put("availableReplicas", available);
        status.put("unavailableReplicas", Math.max(0, sum(allRs, "spec", "replicas") - available));
        if (old.has("collisionCount")) {
            status.set("collisionCount", old.get("collisionCount"));
        }
        ArrayNode conditions = status.putArray("conditions");
        old.path("conditions").values().forEach(c -> conditions.add(c.deepCopy()));

        if (available >= desired - RollingUpdateBounds.of(deployment).maxUnavailable()) {
            set(conditions, condition(AVAILABLE, "True", "MinimumReplicasAvailable", "Deployment has minimum availability."));
        } else {
            set(conditions, condition(AVAILABLE, "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."));
        }

        String rsName = newRs == null ? "" : newRs.path("metadata").path("name").asString("");
        if (createdNewRs) {
            set(conditions, condition(PROGRESSING, "True", "NewReplicaSetCreated", "Created new replica set \"" + rsName + "\""));
        } else if (newRs != null && find(conditions, PROGRESSING) == null) {
            set(conditions, condition(PROGRESSING, "True", "FoundNewReplicaSet", "Found new replica set \"" + rsName + "\""));
        }
        JsonNode progressing = find(conditions, PROGRESSING);
        boolean alreadyComplete = status.path("replicas").asInt() == status.path("updatedReplicas").asInt()
                && progressing != null && progressing.path("reason").asString("").equals(NEW_RS_AVAILABLE);
        if (newRs != null && !alreadyComplete) {
            if (isComplete(deployment, status)) {
                set(conditions, condition(PROGRESSING, "True", NEW_RS_AVAILABLE,
                        "ReplicaSet \"" + rsName + "\" has successfully progressed."));
            } else if (madeProgress(old, status)) {
                ObjectNode updated = condition(PROGRESSING, "True", "ReplicaSetUpdated", "ReplicaSet \"" + rsName + "\" is progressing.");
                if (progressing != null && progressing.path("status").asString("").equals("True")) {
                    updated.set("lastTransitionTime", progressing.get("lastTransitionTime"));
                }
                remove(conditions, PROGRESSING);
                conditions.add(updated);
            }
        }
        return status;
    }

    /** {@code deploymentutil.DeploymentComplete}. */
    static boolean isComplete(JsonNode deployment, JsonNode status) {
        int desired = deployment.path("spec").path("replicas").asInt(1);
        return status.path("updatedReplicas").asInt(0) == desired
                && status.path("replicas").asInt(0) == desired
                && status.path("availableReplicas").asInt(0) == desired
                && status.path("observedGeneration").asLong(0) >= deployment.path("metadata").path("generation").asLong(1);
    }

    /** {@code deploymentutil.DeploymentProgressing}: more updated, ready or available pods, or fewer old ones. */
    private static boolean madeProgress(JsonNode old, JsonNode now) {
        int oldOld = old.path("replicas").asInt(0) - old.path("updatedReplicas").asInt(0);
        int newOld = now.path("replicas").asInt(0) - now.path("updatedReplicas").asInt(0);
        return now.path("updatedReplicas").asInt(0) > old.path("updatedReplicas").asInt(0)
                || newOld < oldOld
                || now.path("readyReplicas").asInt(0) > old.path("readyReplicas").asInt(0)
                || now.path("availableReplicas").asInt(0) > old.path("availableReplicas").asInt(0);
    }

    private static ObjectNode condition(String type, String status, String reason, String message) {
        String now = ObjectStore.now();
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.put("type", type);
        c.put("status", status);
        c.put("lastUpdateTime", now);
        c.put("lastTransitionTime", now);
        c.put("reason", reason);
        c.put("message", message);
        return c;
    }

    /** {@code deploymentutil.SetDeploymentCondition}: no-op for the same status and reason; keeps the transition time for the same status. */
    private static void set(ArrayNode conditions, ObjectNode condition) {
        JsonNode current = find(conditions, condition.path("type").asString(""));
        if (current != null) {
            boolean sameStatus = current.path("status").equals(condition.path("status"));
            if (sameStatus && current.path("reason").equals(condition.path("reason"))) {
                return;
            }
            if (sameStatus) {
                condition.set("lastTransitionTime", current.get("lastTransitionTime"));
            }
            remove(conditions, condition.path("type").asString(""));
        }
        conditions.add(condition);
    }

    private static JsonNode find(ArrayNode conditions, String type) {
        for (JsonNode c : conditions.values()) {
            if (c.path("type").asString("").equals(type)) {
                return c;
            }
        }
        return null;
    }

    private static void remove(ArrayNode conditions, String type) {
        for (int i = conditions.size() - 1; i >= 0; i--) {
            if (conditions.get(i).path("type").asString("").equals(type)) {
                conditions.remove(i);
            }
        }
    }

    private static int sum(List<? extends JsonNode> objects, String section, String field) {
        int total = 0;
        for (JsonNode o : objects) {
            total += o.path(section).path(field).asInt(0);
        }
        return total;
    }
}

package dev.kproxy.sandbox.controllers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Keeps {@code spec.replicas} active pods per ReplicaSet and reports them in its status, after
 * {@code pkg/controller/replicaset/replica_set.go}. Reads go straight to the store, which is
 * consistent, so the real controller's "expectations" bookkeeping is not needed.
 */
final class ReplicaSetController extends QueuedController {
    private final Admission admission;

    ReplicaSetController(ObjectStore store, Admission admission) {
        super(store, ResourceCatalog.REPLICA_SET, "replicaset-controller");
        this.admission = admission;
    }

    @Override
    protected void watchSecondaries() {
        watch(ResourceCatalog.POD, e -> OwnerReferences.controllerKey(e.object(), ResourceCatalog.REPLICA_SET).stream().toList());
    }

    @Override
    protected void reconcile(ObjectKey key, ObjectNode rs) {
        int desired = rs.path("spec").path("replicas").asInt(1);
        List<ObjectNode> active = activePods(rs);
        int diff = active.size() - desired;
        if (diff < 0) {
            for (int i = 0; i < -diff; i++) {
                ObjectNode pod = PodFromTemplate.build(rs.path("spec").path("template"), ResourceCatalog.REPLICA_SET, rs);
                ((ObjectNode) pod.get("metadata")).put("generateName", key.name() + "-");
                store.create(ResourceCatalog.POD, admission.admitCreate(ResourceCatalog.POD, pod));
            }
        } else if (diff > 0) {
            active.sort(PodDeletionOrder.FIRST_TO_DELETE);
            for (ObjectNode pod : active.subList(0, diff)) {
                IdempotentDelete.delete(store, ResourceCatalog.POD, ObjectKey.of(pod));
            }
        }
        writeStatus(key, rs, diff == 0 ? active : activePods(rs));
    }

    private List<ObjectNode> activePods(JsonNode rs) {
        return new ArrayList<>(store.list(ResourceCatalog.POD, ObjectKey.of(rs).namespace(),
                p -> OwnerReferences.isControlledBy(p, rs) && PodConditions.isActive(p)));
    }


    private void writeStatus(ObjectKey key, JsonNode rs, List<ObjectNode> pods) {
        int minReadySeconds = rs.path("spec").path("minReadySeconds").asInt(0);
        JsonNode templateLabels = rs.path("spec").path("template").path("metadata").path("labels");
        Instant now = Instant.now();
        int ready = 0;
        int available = 0;
        int fullyLabeled = 0;
        for (JsonNode pod : pods) {
            if (PodConditions.isReady(pod)) {
                ready++;
            }
            if (PodConditions.isAvailable(pod, minReadySeconds, now)) {
                available++;
            }
            if (LabelSelectorMatcher.matchesMap(templateLabels, pod.path("metadata").path("labels"))) {
                fullyLabeled++;
            }
        }
        if (available < ready) {
            // a ready pod becomes available once minReadySeconds pass, with no event to say so
            enqueueAfter(key, minReadySeconds * 1000L);
        }
        long generation = rs.path("metadata").path("generation").asLong(1);
        int replicas = pods.size();
        int readyCount = ready;
        int availableCount = available;
        int fullyLabeledCount = fullyLabeled;
        store.modify(ResourceCatalog.REPLICA_SET, key.namespace(), key.name(), current -> {
            ObjectNode status = current.putObject("status");
            status.put("replicas", replicas);
            status.put("fullyLabeledReplicas", fullyLabeledCount);
            status.put("readyReplicas", readyCount);
            status.put("availableReplicas", availableCount);
            status.put("observedGeneration", generation);
            return current;
        });
    }
}

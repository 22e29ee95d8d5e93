package dev.kproxy.sandbox.controllers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs StatefulSets, after {@code pkg/controller/statefulset/stateful_set_control.go}: pods
 * {@code <name>-<ordinal>} with a stable identity (hostname, subdomain, identity labels), created in
 * ordinal order and each only once its predecessor is Running and Ready (OrderedReady), or all at
 * once (Parallel); surplus ordinals removed from the highest down; a changed template rolled out
 * from the highest ordinal down, one pod at a time, each waiting for the previous to be Ready.
 *
 * <p>Not mirrored: ControllerRevision objects (the revision is the template hash, so a pod
 * recreated mid-rollout gets the new template), volumeClaimTemplates and maxUnavailable.
 */
final class StatefulSetController extends QueuedController {
    static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
    static final String REVISION_LABEL = "controller-revision-hash";
    private static final Pattern ORDINAL = Pattern.compile("(.*)-([0-9]+)$");

    private final Admission admission;

    StatefulSetController(ObjectStore store, Admission admission) {
        super(store, ResourceCatalog.STATEFUL_SET, "statefulset-controller");
        this.admission = admission;
    }

    @Override
    protected void watchSecondaries() {
        watch(ResourceCatalog.POD, e -> OwnerReferences.controllerKey(e.object(), ResourceCatalog.STATEFUL_SET).stream().toList());
    }

    @Override
    protected void reconcile(ObjectKey key, ObjectNode set) {
        String updateRevision = key.name() + "-" + PodTemplateHash.of(set.path("spec").path("template"),
                set.path("status").path("collisionCount").asLong(0));
        syncPods(key, set, updateRevision);
        writeStatus(key, set, updateRevision);
    }

    /** One pass of {@code updateStatefulSet}; returns early wherever OrderedReady must wait. */
    private void syncPods(ObjectKey key, ObjectNode set, String updateRevision) {
        JsonNode spec = set.path("spec");
        int replicas = spec.path("replicas").asInt(1);
        int start = spec.path("ordinals").path("start").asInt(0);
        boolean monotonic = !spec.path("podManagementPolicy").asString("OrderedReady").equals("Parallel");
        TreeMap<Integer, ObjectNode> replicasByOrdinal = new TreeMap<>();
        TreeMap<Integer, ObjectNode> condemned = new TreeMap<>();
        for (ObjectNode pod : ownedPods(set)) {
            int ordinal = ordinalOf(key.name(), pod);
            if (ordinal >= start && ordinal < start + replicas) {
                replicasByOrdinal.put(ordinal, pod);
            } else if (ordinal >= 0) {
                condemned.put(ordinal, pod);
            }
        }

        for (int ordinal = start; ordinal < start + replicas; ordinal++) {
            ObjectNode pod = replicasByOrdinal.get(ordinal);
            if (pod != null && PodConditions.isTerminal(pod)) {
                IdempotentDelete.delete(store, ResourceCatalog.POD, ObjectKey.of(pod)); // a failed or finished pod is replaced under the same name
                pod = null;
            }
            if (pod == null) {
                pod = createPod(key, set, ordinal, updateRevision);
                replicasByOrdinal.put(ordinal, pod);
                if (monotonic) {
                    return;
                }
                continue;
            }
            if (monotonic && (PodConditions.isTerminating(pod) || !PodConditions.isRunningAndReady(pod))) {
                return;
            }
            keepIdentity(key, set, pod, ordinal);
        }

        for (ObjectNode pod : condemned.descendingMap().values()) {
            if (!PodConditions.isTerminating(pod)) {
                IdempotentDelete.delete(store, ResourceCatalog.POD, ObjectKey.of(pod));
            }
            if (monotonic) {
                return;
            }
        }

        if (spec.path("updateStrategy").path("type").asString("RollingUpdate").equals("OnDelete")) {
            return;
        }
        int partition = spec.path("updateStrategy").path("rollingUpdate").path("partition").asInt(0);
        for (int ordinal = start + replicas - 1; ordinal >= start + partition; ordinal--) {
            ObjectNode pod = replicasByOrdinal.get(ordinal);
            if (!revisionOf(pod).equals(updateRevision) && !PodConditions.isTerminating(pod)) {
                IdempotentDelete.delete(store, ResourceCatalog.POD, ObjectKey.of(pod)); // recreated at the update revision on the next pass
                return;
            }
            if (!PodConditions.isRunningAndReady(pod)) {
                return;
            }
        }
    }

    private ObjectNode createPod(ObjectKey key, JsonNode set, int ordinal, String revision) {
        ObjectNode pod = PodFromTemplate.build(set.path("spec").path("template"), ResourceCatalog.STATEFUL_SET, set);
        ((ObjectNode) pod.path("metadata").path("labels")).put(REVISION_LABEL, revision);
        setIdentity(key, set, pod, ordinal);
        try {
            return store.create(ResourceCatalog.POD, admission.admitCreate(ResourceCatalog.POD, pod));
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.ALREADY_EXISTS) {
                throw e;
            }
            // a pod of that name that this set does not control: wait for it to go, as the real controller does
            throw new StoreException(e.reason(), "statefulset " + key + ": pod " + podName(key, ordinal)
                    + " exists but is not controlled by it; delete that pod");
        }
    }

    /** {@code stateful_set_utils.go updateIdentity}: name, identity labels, hostname and subdomain. */
    private static void setIdentity(ObjectKey key, JsonNode set, ObjectNode pod, int ordinal) {
        String name = podName(key, ordinal);
        ObjectNode meta = (ObjectNode) pod.get("metadata");
        meta.put("name", name);
        meta.put("namespace", key.namespace());
        ObjectNode labels = meta.withObjectProperty("labels");
        labels.put(POD_NAME_LABEL, name);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        ObjectNode podSpec = pod.withObjectProperty("spec");
        podSpec.put("hostname", name);
        String serviceName = set.path("spec").path("serviceName").asString("");
        if (serviceName.isEmpty()) {
            podSpec.remove("subdomain");
        } else {
            podSpec.put("subdomain", serviceName);
        }
    }

    private void keepIdentity(ObjectKey key, JsonNode set, ObjectNode pod, int ordinal) {
        ObjectNode expected = pod.deepCopy();
        setIdentity(key, set, expected, ordinal);
        if (!expected.equals(pod)) {
            store.modify(ResourceCatalog.POD, key.namespace(), podName(key, ordinal), current -> {
                setIdentity(key, set, current, ordinal);
                return current;
            });
        }
    }

    private void writeStatus(ObjectKey key, JsonNode set, String updateRevision) {
        String currentRevision = set.path("status").path("currentRevision").asString("");
        if (currentRevision.isEmpty()) {
            currentRevision = updateRevision;
        }
        int minReadySeconds = set.path("spec").path("minReadySeconds").asInt(0);
        Instant now = Instant.now();
        int count = 0;
        int ready = 0;
        int available = 0;
        int current = 0;
        int updated = 0;
        for (ObjectNode pod : ownedPods(set)) {
            count++;
            if (PodConditions.isRunningAndReady(pod)) {
                ready++;
                if (PodConditions.isAvailable(pod, minReadySeconds, now)) {
                    available++;
                }
            }
            if (!PodConditions.isTerminating(pod)) {
                current += revisionOf(pod).equals(currentRevision) ? 1 : 0;
                updated += revisionOf(pod).equals(updateRevision) ? 1 : 0;
            }
        }
        if (available < ready) {
            enqueueAfter(key, minReadySeconds * 1000L);
        }
        boolean rolledOut = !set.path("spec").path("updateStrategy").path("type").asString("RollingUpdate").equals("OnDelete")
                && updated == count && ready == count;
        if (rolledOut) {
            // stateful_set_control.go completeRollingUpdate
            currentRevision = updateRevision;
            current = updated;
        }
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("observedGeneration", set.path("metadata").path("generation").asLong(1));
        status.put("replicas", count);
        status.put("readyReplicas", ready);
        status.put("availableReplicas", available);
        status.put("currentReplicas", current);
        status.put("updatedReplicas", updated);
        status.put("currentRevision", currentRevision);
        status.put("updateRevision", updateRevision);
        status.put("collisionCount", set.path("status").path("collisionCount").asInt(0));
        String uid = OwnerReferences.uid(set);
        store.modify(ResourceCatalog.STATEFUL_SET, key.namespace(), key.name(), s -> {
            if (uid.equals(OwnerReferences.uid(s))) {
                s.set("status", status);
            }
            return s;
        });
    }

    private List<ObjectNode> ownedPods(JsonNode set) {
        return new ArrayList<>(store.list(ResourceCatalog.POD, ObjectKey.of(set).namespace(),
                p -> OwnerReferences.isControlledBy(p, set)));
    }


    private static String revisionOf(JsonNode pod) {
        return pod.path("metadata").path("labels").path(REVISION_LABEL).asString("");
    }

    private static String podName(ObjectKey set, int ordinal) {
        return set.name() + "-" + ordinal;
    }

    /** {@code getParentNameAndOrdinal}: the ordinal of a pod named {@code <set>-<n>}, or -1. */
    private static int ordinalOf(String setName, JsonNode pod) {
        Matcher m = ORDINAL.matcher(pod.path("metadata").path("name").asString(""));
        if (!m.matches() || !m.group(1).equals(setName)) {
            return -1;
        }
        try {
            return Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}

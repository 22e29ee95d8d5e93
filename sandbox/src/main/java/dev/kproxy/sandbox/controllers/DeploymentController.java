package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.StoreException;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rolls Deployments out through ReplicaSets, after {@code pkg/controller/deployment}: one ReplicaSet
 * per pod template, named {@code <deployment>-<pod-template-hash>}; RollingUpdate
 * ({@code rolling.go}) bounded by maxSurge/maxUnavailable, Recreate ({@code recreate.go}); revision
 * annotations, history cleanup ({@code sync.go cleanupDeployment}) and status.
 *
 * <p>Not mirrored: pausing (a paused Deployment only gets its status), proportional scaling of
 * several live ReplicaSets mid-rollout (the rolling logic still converges), progress deadlines,
 * rollbacks' revision-history annotation, and adoption of orphaned ReplicaSets.
 */
final class DeploymentController extends QueuedController {
    private static final Logger LOG = LoggerFactory.getLogger(DeploymentController.class);
    static final String HASH_LABEL = "pod-template-hash";
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    private static final int DEFAULT_HISTORY_LIMIT = 10;
    /** Deployment annotations that are not copied to its ReplicaSets ({@code deployment_util.go skipCopyAnnotation}). */
    private static final Set<String> NOT_COPIED = Set.of("kubectl.kubernetes.io/last-applied-configuration", REVISION,
            "deployment.kubernetes.io/revision-history", DESIRED_REPLICAS, MAX_REPLICAS, "deprecated.deployment.rollback.to");

    DeploymentController(ObjectStore store) {
        super(store, ResourceCatalog.DEPLOYMENT, "deployment-controller");
    }

    @Override
    protected void watchSecondaries() {
        watch(ResourceCatalog.REPLICA_SET,
                e -> OwnerReferences.controllerKey(e.object(), ResourceCatalog.DEPLOYMENT).stream().toList());
        // Recreate waits for old pods to be gone, terminating ones included (deployment_controller.go deletePod)
        watch(ResourceCatalog.POD, e -> e.type() != WatchEvent.Type.DELETED ? List.of()
                : OwnerReferences.controllerKey(e.object(), ResourceCatalog.REPLICA_SET)
                        .flatMap(rs -> store.get(ResourceCatalog.REPLICA_SET, rs.namespace(), rs.name()))
                        .flatMap(rs -> OwnerReferences.controllerKey(rs, ResourceCatalog.DEPLOYMENT))
                        .stream().toList());
    }

    @Override
    protected void reconcile(ObjectKey key, ObjectNode deployment) {
        if (!deployment.path("spec").path("selector").isObject()) {
            LOG.warn("deployment {} has no spec.selector; skipping it", key);
            return;
        }
        new Sync(key, deployment).run();
    }

    /** One pass over one Deployment; holds the ReplicaSets as this pass changes them. */
    private final class Sync {
        private final ObjectKey key;
        private final ObjectNode deployment;
        private final int desired;
        private final RollingUpdateBounds bounds;
        private final String hash;
        private final List<ObjectNode> oldRs = new ArrayList<>();
        private ObjectNode newRs;
        private boolean createdNewRs;
        private boolean collided;

        Sync(ObjectKey key, ObjectNode deployment) {
            this.key = key;
            this.deployment = deployment;
            this.desired = deployment.path("spec").path("replicas").asInt(1);
            this.bounds = RollingUpdateBounds.of(deployment);
            this.hash = PodTemplateHash.of(deployment.path("spec").path("template"),
                    deployment.path("status").path("collisionCount").asLong(0));
            for (ObjectNode rs : store.list(ResourceCatalog.REPLICA_SET, key.namespace(),
                    rs -> OwnerReferences.isControlledBy(rs, deployment))) {
                if (hash.equals(rs.path("metadata").path("labels").path(HASH_LABEL).asString(""))) {
                    newRs = rs;
                } else {
                    oldRs.add(rs);
                }
            }
            oldRs.sort(Comparator.comparing((ObjectNode rs) -> rs.path("metadata").path("creationTimestamp").asString(""))
                    .thenComparing(rs -> rs.path("metadata").path("name").asString("")));
        }

        void run() {
            if (deployment.path("spec").path("paused").asBoolean(false)) {
                writeStatus();
                return;
            }
            boolean changed = RollingUpdateBounds.isRecreate(deployment) ? recreate() : rollingUpdate();
            if (collided) {
                return; // the collisionCount write queues this Deployment again
            }
            if (!changed && newRs != null && DeploymentStatusCalculator.isComplete(deployment,
                    DeploymentStatusCalculator.calculate(deployment, all(), newRs, false))) {
                cleanupHistory();
            }
            writeStatus();
        }

        /** {@code rolling.go rolloutRolling}: returns whether it scaled anything. */
        private boolean rollingUpdate() {
            if (!syncNewRs(true)) {
                return false;
            }
            int newReplicas = replicas(newRs);
            if (newReplicas > desired) {
                newRs = scale(newRs, desired);
                return true;
            }
            if (newReplicas < desired) {
                int target = newRsTargetForRollingUpdate();
                if (target != newReplicas) {
                    newRs = scale(newRs, target);
                    return true;
                }
            }
            return scaleDownOld();
        }

        /** {@code deploymentutil.NewRSNewReplicas} for RollingUpdate: grow the new set within maxSurge. */
        private int newRsTargetForRollingUpdate() {
            int current = newRs == null ? 0 : replicas(newRs);
            int allPods = current + oldRs.stream().mapToInt(DeploymentController::replicas).sum();
            int maxTotal = desired + bounds.maxSurge();
            if (allPods >= maxTotal) {
                return current;
            }
            return current + Math.min(maxTotal - allPods, desired - current);
        }

        /** {@code rolling.go reconcileOldReplicaSets}: unhealthy old pods first, then as availability allows. */
        private boolean scaleDownOld() {
            int oldPods = oldRs.stream().mapToInt(DeploymentController::replicas).sum();
            if (oldPods == 0) {
                return false;
            }
            int allPods = oldPods + replicas(newRs);
            int minAvailable = desired - bounds.maxUnavailable();
            int newUnavailable = replicas(newRs) - newRs.path("status").path("availableReplicas").asInt(0);
            int maxScaledDown = allPods - minAvailable - newUnavailable;
            if (maxScaledDown <= 0) {
                return false;
            }
            int cleaned = 0;
            for (int i = 0; i < oldRs.size() && cleaned < maxScaledDown; i++) {
                ObjectNode rs = oldRs.get(i);
                int unhealthy = replicas(rs) - rs.path("status").path("availableReplicas").asInt(0);
                if (replicas(rs) == 0 || unhealthy <= 0) {
                    continue;
                }
                int count = Math.min(maxScaledDown - cleaned, unhealthy);
                oldRs.set(i, scale(rs, replicas(rs) - count));
                cleaned += count;
            }
            int availablePods = all().stream().mapToInt(rs -> rs.path("status").path("availableReplicas").asInt(0)).sum();
            int scaledDown = 0;
            if (availablePods > minAvailable) {
                int total = availablePods - minAvailable;
                for (int i = 0; i < oldRs.size() && scaledDown < total; i++) {
                    ObjectNode rs = oldRs.get(i);
                    if (replicas(rs) == 0) {
                        continue;
                    }
                    int count = Math.min(replicas(rs), total - scaledDown);
                    oldRs.set(i, scale(rs, replicas(rs) - count));
                    scaledDown += count;
                }
            }
            return cleaned + scaledDown > 0;
        }

        /** {@code recreate.go rolloutRecreate}: old sets to zero, wait for their pods to go, then the new set. */
        private boolean recreate() {
            syncNewRs(false);
            boolean scaledDown = false;
            for (int i = 0; i < oldRs.size(); i++) {
                if (replicas(oldRs.get(i)) > 0) {
                    oldRs.set(i, scale(oldRs.get(i), 0));
                    scaledDown = true;
                }
            }
            if (scaledDown || oldPodsRunning()) {
                return true;
            }
            if (newRs == null && !syncNewRs(true)) {
                return false;
            }
            if (replicas(newRs) != desired) {
                newRs = scale(newRs, desired);
                return true;
            }
            return false;
        }

        private boolean oldPodsRunning() {
            if (oldRs.stream().anyMatch(rs -> rs.path("status").path("replicas").asInt(0) > 0)) {
                return true;
            }
            Set<String> oldUids = new HashSet<>();
            oldRs.forEach(rs -> oldUids.add(OwnerReferences.uid(rs)));
            return !store.list(ResourceCatalog.POD, key.namespace(), p -> !PodConditions.isTerminal(p)
                    && OwnerReferences.controllerOf(p).map(ref -> oldUids.contains(ref.path("uid").asString(""))).orElse(false))
                    .isEmpty();
        }

        /**
         * {@code sync.go getNewReplicaSet}: brings the new set's annotations up to date, or creates it.
         * Returns false when there is no new set to work with (not created, or a name collision).
         */
        private boolean syncNewRs(boolean createIfMissing) {
            long revision = oldRs.stream().mapToLong(DeploymentController::revision).max().orElse(0) + 1;
            if (newRs != null) {
                newRs = store.modify(ResourceCatalog.REPLICA_SET, key.namespace(), name(newRs), rs -> {
                    annotate(rs, Math.max(revision, revision(rs)));
                    ((ObjectNode) rs.get("spec")).put("minReadySeconds", deployment.path("spec").path("minReadySeconds").asInt(0));
                    return rs;
                });
                return true;
            }
            if (!createIfMissing) {
                return false;
            }
            ObjectNode rs = newReplicaSet(revision);
            try {
                newRs = store.create(ResourceCatalog.REPLICA_SET, rs);
                createdNewRs = true;
                return true;
            } catch (StoreException e) {
                if (e.reason() != StoreException.Reason.ALREADY_EXISTS) {
                    throw e;
                }
            }
            // Someone else's ReplicaSet has our name (a deleted Deployment's, not yet collected):
            // hash again with a higher collision count, as sync.go does.
            collided = true;
            store.modify(ResourceCatalog.DEPLOYMENT, key.namespace(), key.name(), d -> {
                ObjectNode status = d.withObjectProperty("status");
                status.put("collisionCount", status.path("collisionCount").asLong(0) + 1);
                return d;
            });
            return false;
        }

        private ObjectNode newReplicaSet(long revision) {
            ObjectNode template = deployment.withObjectProperty("spec").withObjectProperty("template").deepCopy();
            ObjectNode templateMeta = template.withObjectProperty("metadata");
            ObjectNode templateLabels = templateMeta.withObjectProperty("labels");
            templateLabels.put(HASH_LABEL, hash);
            ObjectNode selector = ((ObjectNode) deployment.get("spec").get("selector")).deepCopy();
            ObjectNode matchLabels = selector.withObjectProperty("matchLabels");
            matchLabels.put(HASH_LABEL, hash);

            ObjectNode rs = JsonNodeFactory.instance.objectNode();
            ObjectNode meta = rs.putObject("metadata");
            meta.put("name", key.name() + "-" + hash);
            meta.put("namespace", key.namespace());
            meta.set("labels", templateLabels.deepCopy());
            OwnerReferences.setController(rs, ResourceCatalog.DEPLOYMENT, deployment);
            ObjectNode spec = rs.putObject("spec");
            spec.put("replicas", RollingUpdateBounds.isRecreate(deployment) ? desired : newRsTargetForRollingUpdate());
            spec.put("minReadySeconds", deployment.path("spec").path("minReadySeconds").asInt(0));
            spec.set("selector", selector);
            spec.set("template", template);
            annotate(rs, revision);
            return rs;
        }

        /** {@code deploymentutil.SetNewReplicaSetAnnotations} and {@code SetReplicasAnnotations}. */
        private void annotate(ObjectNode rs, long revision) {
            ObjectNode meta = (ObjectNode) rs.get("metadata");
            ObjectNode annotations = meta.withObjectProperty("annotations");
            for (Map.Entry<String, JsonNode> a : deployment.path("metadata").path("annotations").properties()) {
                if (!NOT_COPIED.contains(a.getKey())) {
                    annotations.set(a.getKey(), a.getValue());
                }
            }
            annotations.put(REVISION, Long.toString(revision));
            setReplicaAnnotations(annotations);
        }

        private void setReplicaAnnotations(ObjectNode annotations) {
            annotations.put(DESIRED_REPLICAS, Integer.toString(desired));
            annotations.put(MAX_REPLICAS, Integer.toString(desired + bounds.maxSurge()));
        }

        private ObjectNode scale(ObjectNode rs, int replicas) {
            return store.modify(ResourceCatalog.REPLICA_SET, key.namespace(), name(rs), current -> {
                ((ObjectNode) current.get("spec")).put("replicas", replicas);
                ObjectNode meta = (ObjectNode) current.get("metadata");
                setReplicaAnnotations(meta.withObjectProperty("annotations"));
                return current;
            });
        }

        /** {@code sync.go cleanupDeployment}: delete the oldest empty ReplicaSets beyond revisionHistoryLimit. */
        private void cleanupHistory() {
            int limit = deployment.path("spec").path("revisionHistoryLimit").asInt(DEFAULT_HISTORY_LIMIT);
            List<ObjectNode> byRevision = new ArrayList<>(oldRs);
            byRevision.sort(Comparator.comparingLong(DeploymentController::revision));
            int surplus = byRevision.size() - limit;
            for (int i = 0; i < surplus; i++) {
                ObjectNode rs = byRevision.get(i);
                boolean settled = rs.path("status").path("observedGeneration").asLong(0) >= rs.path("metadata").path("generation").asLong(1);
                if (replicas(rs) != 0 || rs.path("status").path("replicas").asInt(0) != 0 || !settled) {
                    continue;
                }
                IdempotentDelete.delete(store, ResourceCatalog.REPLICA_SET, ObjectKey.of(rs));
                oldRs.remove(rs);
            }
        }

        private void writeStatus() {
            ObjectNode status = DeploymentStatusCalculator.calculate(deployment, all(), newRs, createdNewRs);
            String revision = newRs == null ? null : Long.toString(revision(newRs));
            store.modify(ResourceCatalog.DEPLOYMENT, key.namespace(), key.name(), d -> {
                if (!OwnerReferences.uid(d).equals(OwnerReferences.uid(deployment))) {
                    return d; // deleted and recreated under the same name since this pass began
                }
                if (revision != null) {
                    ObjectNode meta = (ObjectNode) d.get("metadata");
                    ObjectNode annotations = meta.withObjectProperty("annotations");
                    annotations.put(REVISION, revision);
                }
                long collisions = d.path("status").path("collisionCount").asLong(0);
                if (collisions > status.path("collisionCount").asLong(0)) {
                    status.put("collisionCount", collisions);
                }
                d.set("status", status);
                return d;
            });
        }

        private List<ObjectNode> all() {
            List<ObjectNode> all = new ArrayList<>(oldRs);
            if (newRs != null) {
                all.add(newRs);
            }
            return all;
        }
    }

    private static int replicas(JsonNode rs) {
        return rs == null ? 0 : rs.path("spec").path("replicas").asInt(1);
    }

    private static long revision(JsonNode rs) {
        try {
            return Long.parseLong(rs.path("metadata").path("annotations").path(REVISION).asString("0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String name(JsonNode o) {
        return o.path("metadata").path("name").asString("");
    }
}

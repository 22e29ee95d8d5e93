package dev.kproxy.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class DeploymentControllerTest {
    private final SandboxUnderTest sandbox = new SandboxUnderTest();

    @AfterEach
    void close() {
        sandbox.close();
    }

    private static String deployment(String name, int replicas, String image, String strategy) {
        return """
                {"metadata": {"name": "%s", "namespace": "demo"},
                 "spec": {"replicas": %d,
                          "selector": {"matchLabels": {"app": "%s"}},
                          %s
                          "template": {"metadata": {"labels": {"app": "%s"}},
                                       "spec": {"containers": [{"name": "main", "image": "%s"}]}}}}
                """.formatted(name, replicas, name, strategy, name, image);
    }

    private ObjectNode createWeb(int replicas, String strategy) {
        return sandbox.create(ResourceCatalog.DEPLOYMENT, deployment("web", replicas, "web:1", strategy));
    }

    private void setImage(String image) {
        sandbox.store.modify(ResourceCatalog.DEPLOYMENT, SandboxUnderTest.NS, "web", d -> {
            ((ObjectNode) d.path("spec").path("template").path("spec").path("containers").get(0)).put("image", image);
            return d;
        });
    }

    private ObjectNode replicaSetOf(JsonNode deployment, String image) {
        return sandbox.list(ResourceCatalog.REPLICA_SET).stream()
                .filter(rs -> OwnerReferences.isControlledBy(rs, deployment))
                .filter(rs -> rs.path("spec").path("template").path("spec").path("containers").get(0).path("image").asString().equals(image))
                .findFirst().orElseThrow(() -> new AssertionError("no ReplicaSet for " + image));
    }

    private static String hashOf(JsonNode rs) {
        return rs.path("metadata").path("labels").path(DeploymentController.HASH_LABEL).asString();
    }

    private static JsonNode condition(JsonNode deployment, String type) {
        for (JsonNode c : deployment.path("status").path("conditions").values()) {
            if (c.path("type").asString().equals(type)) {
                return c;
            }
        }
        return null;
    }

    @Test
    void deploymentGetsAReplicaSetWhosePodsCarryTheTemplateHashAndOwner() {
        ObjectNode web = createWeb(2, "");

        await().untilAsserted(() -> {
            ObjectNode rs = replicaSetOf(web, "web:1");
            String hash = hashOf(rs);
            assertThat(rs.path("metadata").path("name").asString()).isEqualTo("web-" + hash);
            assertThat(rs.path("spec").path("selector").path("matchLabels").path("pod-template-hash").asString()).isEqualTo(hash);
            assertThat(rs.path("spec").path("template").path("metadata").path("labels").path("pod-template-hash").asString()).isEqualTo(hash);
            assertThat(rs.path("metadata").path("annotations").path(DeploymentController.REVISION).asString()).isEqualTo("1");
            JsonNode ref = rs.path("metadata").path("ownerReferences").get(0);
            assertThat(ref.path("kind").asString()).isEqualTo("Deployment");
            assertThat(ref.path("uid").asString()).isEqualTo(OwnerReferences.uid(web));
            assertThat(ref.path("controller").asBoolean()).isTrue();
            assertThat(ref.path("blockOwnerDeletion").asBoolean()).isTrue();

            List<ObjectNode> pods = sandbox.podsControlledBy(rs);
            assertThat(pods).hasSize(2);
            for (ObjectNode pod : pods) {
                assertThat(pod.path("metadata").path("name").asString()).startsWith("web-" + hash + "-");
                assertThat(pod.path("metadata").path("labels").path("pod-template-hash").asString()).isEqualTo(hash);
                assertThat(pod.path("metadata").path("labels").path("app").asString()).isEqualTo("web");
                assertThat(pod.path("metadata").path("ownerReferences").get(0).path("kind").asString()).isEqualTo("ReplicaSet");
            }
        });

        sandbox.readyAllPods();

        await().untilAsserted(() -> {
            ObjectNode d = sandbox.get(ResourceCatalog.DEPLOYMENT, "web");
            JsonNode status = d.path("status");
            assertThat(status.path("observedGeneration").asLong()).isEqualTo(1);
            assertThat(status.path("replicas").asInt()).isEqualTo(2);
            assertThat(status.path("updatedReplicas").asInt()).isEqualTo(2);
            assertThat(status.path("readyReplicas").asInt()).isEqualTo(2);
            assertThat(status.path("availableReplicas").asInt()).isEqualTo(2);
            assertThat(status.path("unavailableReplicas").asInt()).isZero();
            assertThat(condition(d, "Available").path("status").asString()).isEqualTo("True");
            assertThat(condition(d, "Progressing").path("reason").asString()).isEqualTo("NewReplicaSetAvailable");
            assertThat(d.path("metadata").path("annotations").path(DeploymentController.REVISION).asString()).isEqualTo("1");
        });
    }

    @Test
    void templateChangeRollsOutWithinSurgeAndScalesTheOldSetDownAsNewPodsBecomeReady() {
        ObjectNode web = createWeb(2, "");
        await().until(() -> sandbox.list(ResourceCatalog.POD).size() == 2);
        sandbox.readyAllPods();
        await().until(() -> sandbox.get(ResourceCatalog.DEPLOYMENT, "web").path("status").path("availableReplicas").asInt() == 2);

        setImage("web:2");

        // 2 replicas at 25%: maxSurge 1, maxUnavailable 0. One surge pod, and the old set must keep
        // both its pods until that pod is ready.
        await().untilAsserted(() -> {
            ObjectNode newRs = replicaSetOf(web, "web:2");
            assertThat(newRs.path("spec").path("replicas").asInt()).isEqualTo(1);
            assertThat(sandbox.podsControlledBy(newRs)).hasSize(1);
            assertThat(newRs.path("metadata").path("annotations").path(DeploymentController.REVISION).asString()).isEqualTo("2");
        });
        ObjectNode oldRs = replicaSetOf(web, "web:1");
        assertThat(oldRs.path("spec").path("replicas").asInt()).isEqualTo(2);
        assertThat(sandbox.podsControlledBy(oldRs)).hasSize(2);

        sandbox.readyAllPods();
        await().untilAsserted(() -> {
            assertThat(replicaSetOf(web, "web:1").path("spec").path("replicas").asInt()).isEqualTo(1);
            assertThat(replicaSetOf(web, "web:2").path("spec").path("replicas").asInt()).isEqualTo(2);
        });

        await().untilAsserted(() -> {
            sandbox.readyAllPods();
            ObjectNode d = sandbox.get(ResourceCatalog.DEPLOYMENT, "web");
            assertThat(replicaSetOf(web, "web:1").path("spec").path("replicas").asInt()).isZero();
            assertThat(sandbox.podsControlledBy(replicaSetOf(web, "web:1"))).isEmpty();
            assertThat(sandbox.podsControlledBy(replicaSetOf(web, "web:2"))).hasSize(2);
            assertThat(d.path("metadata").path("annotations").path(DeploymentController.REVISION).asString()).isEqualTo("2");
            assertThat(d.path("status").path("observedGeneration").asLong()).isEqualTo(2);
            assertThat(d.path("status").path("updatedReplicas").asInt()).isEqualTo(2);
            assertThat(condition(d, "Progressing").path("reason").asString()).isEqualTo("NewReplicaSetAvailable");
        });
        assertThat(replicaSetOf(web, "web:1").path("metadata").path("annotations").path(DeploymentController.REVISION).asString())
                .isEqualTo("1");
    }

    @Test
    void recreateRemovesEveryOldPodBeforeCreatingANewOne() {
        List<WatchEvent> podEvents = new CopyOnWriteArrayList<>();
        sandbox.store.watch(ResourceCatalog.POD, SandboxUnderTest.NS, 0, podEvents::add);
        ObjectNode web = createWeb(2, "\"strategy\": {\"type\": \"Recreate\"},");
        await().until(() -> sandbox.list(ResourceCatalog.POD).size() == 2);
        sandbox.readyAllPods();
        String oldHash = hashOf(replicaSetOf(web, "web:1"));

        setImage("web:2");

        await().untilAsserted(() -> {
            sandbox.readyAllPods();
            ObjectNode newRs = replicaSetOf(web, "web:2");
            assertThat(sandbox.podsControlledBy(newRs)).hasSize(2);
            assertThat(sandbox.get(ResourceCatalog.DEPLOYMENT, "web").path("status").path("availableReplicas").asInt()).isEqualTo(2);
        });
        String newHash = hashOf(replicaSetOf(web, "web:2"));
        long lastOldDeletion = podEvents.stream()
                .filter(e -> e.type() == WatchEvent.Type.DELETED && hashOf(e.object()).equals(oldHash))
                .mapToLong(WatchEvent::resourceVersion).max().orElseThrow();
        long firstNewCreation = podEvents.stream()
                .filter(e -> e.type() == WatchEvent.Type.ADDED && hashOf(e.object()).equals(newHash))
                .mapToLong(WatchEvent::resourceVersion).min().orElseThrow();
        assertThat(lastOldDeletion).isLessThan(firstNewCreation);
        assertThat(replicaSetOf(web, "web:1").path("spec").path("replicas").asInt()).isZero();
    }

    @Test
    void recreateWaitsForTerminatingOldPodsBeforeCreatingTheNewReplicaSet() {
        ObjectNode web = createWeb(1, "\"strategy\": {\"type\": \"Recreate\"},");
        await().until(() -> sandbox.list(ResourceCatalog.POD).size() == 1);
        ObjectNode oldRs = replicaSetOf(web, "web:1");
        // an old pod the kubelet is still shutting down: no longer counted by its ReplicaSet, but running
        ObjectNode lingering = SandboxUnderTest.parse("""
                {"metadata": {"name": "web-lingering", "namespace": "demo", "deletionTimestamp": "2026-01-01T00:00:00Z",
                              "labels": {"app": "web"}},
                 "spec": {"containers": [{"name": "main", "image": "web:1"}]},
                 "status": {"phase": "Running"}}
                """);
        OwnerReferences.setController(lingering, ResourceCatalog.REPLICA_SET, oldRs);
        sandbox.store.create(ResourceCatalog.POD, lingering);

        setImage("web:2");

        // the pass that sees the old set empty writes this status; had it gone on, the new set would exist already
        await().until(() -> {
            JsonNode status = sandbox.get(ResourceCatalog.DEPLOYMENT, "web").path("status");
            return status.path("observedGeneration").asLong() == 2 && status.path("replicas").asInt() == 0;
        });
        assertThat(sandbox.list(ResourceCatalog.REPLICA_SET)).hasSize(1);

        sandbox.store.delete(ResourceCatalog.POD, SandboxUnderTest.NS, "web-lingering");
        await().untilAsserted(() -> assertThat(sandbox.podsControlledBy(replicaSetOf(web, "web:2"))).hasSize(1));
    }

    @Test
    void scalingChangesThePodCount() {
        ObjectNode web = createWeb(1, "");
        await().until(() -> sandbox.list(ResourceCatalog.POD).size() == 1);
        sandbox.readyAllPods();

        sandbox.store.modify(ResourceCatalog.DEPLOYMENT, SandboxUnderTest.NS, "web", d -> {
            ((ObjectNode) d.get("spec")).put("replicas", 3);
            return d;
        });
        await().untilAsserted(() -> {
            sandbox.readyAllPods();
            assertThat(sandbox.get(ResourceCatalog.DEPLOYMENT, "web").path("status").path("readyReplicas").asInt()).isEqualTo(3);
        });

        sandbox.store.modify(ResourceCatalog.DEPLOYMENT, SandboxUnderTest.NS, "web", d -> {
            ((ObjectNode) d.get("spec")).put("replicas", 1);
            return d;
        });
        await().untilAsserted(() -> {
            assertThat(sandbox.list(ResourceCatalog.POD)).hasSize(1);
            assertThat(sandbox.get(ResourceCatalog.DEPLOYMENT, "web").path("status").path("replicas").asInt()).isEqualTo(1);
        });
        assertThat(sandbox.list(ResourceCatalog.REPLICA_SET)).singleElement()
                .satisfies(rs -> assertThat(OwnerReferences.isControlledBy(rs, web)).isTrue());
    }

    @Test
    void revisionHistoryLimitDeletesTheOldestEmptyReplicaSets() {
        ObjectNode web = createWeb(1, "\"revisionHistoryLimit\": 1,");
        for (String image : List.of("web:2", "web:3")) {
            await().untilAsserted(() -> {
                sandbox.readyAllPods();
                assertThat(DeploymentStatusCalculator.isComplete(sandbox.get(ResourceCatalog.DEPLOYMENT, "web"),
                        sandbox.get(ResourceCatalog.DEPLOYMENT, "web").path("status"))).isTrue();
            });
            setImage(image);
        }
        await().untilAsserted(() -> {
            sandbox.readyAllPods();
            List<String> images = sandbox.list(ResourceCatalog.REPLICA_SET).stream()
                    .filter(rs -> OwnerReferences.isControlledBy(rs, web))
                    .map(rs -> rs.path("spec").path("template").path("spec").path("containers").get(0).path("image").asString())
                    .toList();
            assertThat(images).containsExactlyInAnyOrder("web:2", "web:3");
        });
    }

    @Test
    void deletingADeploymentDeletesItsReplicaSetsAndTheirPods() {
        createWeb(2, "");
        await().until(() -> sandbox.list(ResourceCatalog.POD).size() == 2);

        sandbox.store.delete(ResourceCatalog.DEPLOYMENT, SandboxUnderTest.NS, "web");

        await().untilAsserted(() -> {
            assertThat(sandbox.list(ResourceCatalog.REPLICA_SET)).isEmpty();
            assertThat(sandbox.list(ResourceCatalog.POD)).isEmpty();
        });
    }
}

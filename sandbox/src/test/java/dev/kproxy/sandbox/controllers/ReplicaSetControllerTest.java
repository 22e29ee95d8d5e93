package dev.kproxy.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class ReplicaSetControllerTest {
    private final SandboxUnderTest sandbox = new SandboxUnderTest();

    @AfterEach
    void close() {
        sandbox.close();
    }

    private ObjectNode createReplicaSet(int replicas) {
        return sandbox.create(ResourceCatalog.REPLICA_SET, """
                {"metadata": {"name": "api", "namespace": "demo"},
                 "spec": {"replicas": %d,
                          "selector": {"matchLabels": {"app": "api"}},
                          "template": {"metadata": {"labels": {"app": "api", "tier": "backend"}},
                                       "spec": {"containers": [{"name": "main", "image": "api:1"}]}}}}
                """.formatted(replicas));
    }

    private static List<String> names(List<ObjectNode> pods) {
        return pods.stream().map(p -> p.path("metadata").path("name").asString()).toList();
    }

    @Test
    void deletedPodIsReplacedAndStatusCountsReadyPods() {
        ObjectNode rs = createReplicaSet(2);
        await().until(() -> sandbox.podsControlledBy(rs).size() == 2);
        List<String> before = names(sandbox.podsControlledBy(rs));
        assertThat(before).allSatisfy(n -> assertThat(n).matches("api-[a-z0-9]{5}"));

        sandbox.store.delete(ResourceCatalog.POD, SandboxUnderTest.NS, before.get(0));

        await().untilAsserted(() -> {
            List<String> after = names(sandbox.podsControlledBy(rs));
            assertThat(after).hasSize(2).contains(before.get(1)).doesNotContain(before.get(0));
        });
        sandbox.readyAllPods();
        await().untilAsserted(() -> {
            JsonNode status = sandbox.get(ResourceCatalog.REPLICA_SET, "api").path("status");
            assertThat(status.path("replicas").asInt()).isEqualTo(2);
            assertThat(status.path("readyReplicas").asInt()).isEqualTo(2);
            assertThat(status.path("availableReplicas").asInt()).isEqualTo(2);
            assertThat(status.path("fullyLabeledReplicas").asInt()).isEqualTo(2);
            assertThat(status.path("observedGeneration").asLong()).isEqualTo(1);
        });
    }

    @Test
    void scalingDownDeletesNotReadyPodsFirst() {
        ObjectNode rs = createReplicaSet(3);
        await().until(() -> sandbox.podsControlledBy(rs).size() == 3);
        List<String> pods = names(sandbox.podsControlledBy(rs));
        sandbox.runPod(pods.get(0), true);
        sandbox.runPod(pods.get(1), false);
        sandbox.runPod(pods.get(2), true);
        await().until(() -> sandbox.get(ResourceCatalog.REPLICA_SET, "api").path("status").path("readyReplicas").asInt() == 2);

        sandbox.store.modify(ResourceCatalog.REPLICA_SET, SandboxUnderTest.NS, "api", r -> {
            ((ObjectNode) r.get("spec")).put("replicas", 2);
            return r;
        });

        await().untilAsserted(() -> assertThat(names(sandbox.podsControlledBy(rs)))
                .containsExactlyInAnyOrder(pods.get(0), pods.get(2)));
    }

    @Test
    void podsCarryTheTemplateAndAControllerReference() {
        ObjectNode rs = createReplicaSet(1);
        await().until(() -> sandbox.podsControlledBy(rs).size() == 1);
        ObjectNode pod = sandbox.podsControlledBy(rs).get(0);
        assertThat(pod.path("metadata").path("generateName").asString()).isEqualTo("api-");
        assertThat(pod.path("metadata").path("labels").path("tier").asString()).isEqualTo("backend");
        assertThat(pod.path("spec").path("containers").get(0).path("image").asString()).isEqualTo("api:1");
        JsonNode ref = pod.path("metadata").path("ownerReferences").get(0);
        assertThat(ref.path("apiVersion").asString()).isEqualTo("apps/v1");
        assertThat(ref.path("name").asString()).isEqualTo("api");
        assertThat(ref.path("blockOwnerDeletion").asBoolean()).isTrue();
    }
}

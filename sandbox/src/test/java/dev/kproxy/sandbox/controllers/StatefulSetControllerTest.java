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

class StatefulSetControllerTest {
    private final SandboxUnderTest sandbox = new SandboxUnderTest();

    @AfterEach
    void close() {
        sandbox.close();
    }

    private ObjectNode createWeb(int replicas, String policy) {
        return sandbox.create(ResourceCatalog.STATEFUL_SET, """
                {"metadata": {"name": "web", "namespace": "demo"},
                 "spec": {"replicas": %d, "serviceName": "web-headless", "podManagementPolicy": "%s",
                          "selector": {"matchLabels": {"app": "web"}},
                          "template": {"metadata": {"labels": {"app": "web"}},
                                       "spec": {"containers": [{"name": "main", "image": "web:1"}]}}}}
                """.formatted(replicas, policy));
    }

    private boolean exists(String pod) {
        return sandbox.store.get(ResourceCatalog.POD, SandboxUnderTest.NS, pod).isPresent();
    }

    private JsonNode status() {
        return sandbox.get(ResourceCatalog.STATEFUL_SET, "web").path("status");
    }

    @Test
    void orderedReadyCreatesEachOrdinalOnlyAfterThePreviousIsReady() {
        createWeb(2, "OrderedReady");
        // the pass that created web-0 wrote this status and then stopped to wait for web-0
        await().until(() -> exists("web-0") && status().path("replicas").asInt() == 1);
        assertThat(exists("web-1")).isFalse();

        sandbox.runPod("web-0", true);
        await().until(() -> exists("web-1"));

        ObjectNode pod = sandbox.get(ResourceCatalog.POD, "web-1");
        JsonNode labels = pod.path("metadata").path("labels");
        assertThat(labels.path(StatefulSetController.POD_NAME_LABEL).asString()).isEqualTo("web-1");
        assertThat(labels.path(StatefulSetController.POD_INDEX_LABEL).asString()).isEqualTo("1");
        assertThat(labels.path(StatefulSetController.REVISION_LABEL).asString()).startsWith("web-");
        assertThat(pod.path("spec").path("hostname").asString()).isEqualTo("web-1");
        assertThat(pod.path("spec").path("subdomain").asString()).isEqualTo("web-headless");

        sandbox.runPod("web-1", true);
        await().untilAsserted(() -> {
            JsonNode s = status();
            assertThat(s.path("replicas").asInt()).isEqualTo(2);
            assertThat(s.path("readyReplicas").asInt()).isEqualTo(2);
            assertThat(s.path("currentReplicas").asInt()).isEqualTo(2);
            assertThat(s.path("updatedReplicas").asInt()).isEqualTo(2);
            assertThat(s.path("currentRevision").asString()).isEqualTo(s.path("updateRevision").asString());
            assertThat(s.path("observedGeneration").asLong()).isEqualTo(1);
        });
    }

    @Test
    void parallelCreatesAllPodsAtOnceAndADeletedPodComesBackUnderItsName() {
        createWeb(3, "Parallel");
        await().until(() -> exists("web-0") && exists("web-1") && exists("web-2"));
        String oldUid = OwnerReferences.uid(sandbox.get(ResourceCatalog.POD, "web-1"));

        sandbox.store.delete(ResourceCatalog.POD, SandboxUnderTest.NS, "web-1");

        await().until(() -> exists("web-1") && !OwnerReferences.uid(sandbox.get(ResourceCatalog.POD, "web-1")).equals(oldUid));
    }

    @Test
    void templateChangeReplacesPodsFromTheHighestOrdinalDownOneAtATime() {
        createWeb(3, "OrderedReady");
        await().untilAsserted(() -> {
            sandbox.readyAllPods();
            assertThat(status().path("readyReplicas").asInt()).isEqualTo(3);
        });
        String oldRevision = status().path("currentRevision").asString();
        List<String> deletions = new CopyOnWriteArrayList<>();
        sandbox.store.watch(ResourceCatalog.POD, SandboxUnderTest.NS, 0, e -> {
            if (e.type() == WatchEvent.Type.DELETED) {
                deletions.add(e.name());
            }
        });

        sandbox.store.modify(ResourceCatalog.STATEFUL_SET, SandboxUnderTest.NS, "web", s -> {
            ((ObjectNode) s.path("spec").path("template").path("spec").path("containers").get(0)).put("image", "web:2");
            return s;
        });

        await().untilAsserted(() -> {
            sandbox.readyAllPods();
            JsonNode s = status();
            assertThat(s.path("updatedReplicas").asInt()).isEqualTo(3);
            assertThat(s.path("readyReplicas").asInt()).isEqualTo(3);
            assertThat(s.path("currentRevision").asString()).isEqualTo(s.path("updateRevision").asString()).isNotEqualTo(oldRevision);
        });
        assertThat(deletions).containsExactly("web-2", "web-1", "web-0");
        assertThat(sandbox.get(ResourceCatalog.POD, "web-0").path("spec").path("containers").get(0).path("image").asString())
                .isEqualTo("web:2");
    }

    @Test
    void scaleDownRemovesTheHighestOrdinals() {
        createWeb(3, "Parallel");
        await().until(() -> exists("web-2"));
        sandbox.readyAllPods();
        sandbox.store.modify(ResourceCatalog.STATEFUL_SET, SandboxUnderTest.NS, "web", s -> {
            ((ObjectNode) s.get("spec")).put("replicas", 1);
            return s;
        });
        await().until(() -> !exists("web-1") && !exists("web-2"));
        assertThat(exists("web-0")).isTrue();
    }
}

package dev.kproxy.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.ObjectNode;

class GarbageCollectorTest {
    private final SandboxUnderTest sandbox = new SandboxUnderTest(false);

    @AfterEach
    void close() {
        sandbox.close();
    }

    private ObjectNode configMapOwnedBy(String name, ObjectNode... owners) {
        ObjectNode cm = SandboxUnderTest.parse("{\"metadata\": {\"name\": \"" + name + "\", \"namespace\": \"demo\"}}");
        var refs = ((ObjectNode) cm.get("metadata")).putArray("ownerReferences");
        for (ObjectNode owner : owners) {
            ObjectNode ref = OwnerReferences.controllerRef(ResourceCatalog.CONFIG_MAP, owner);
            ref.put("controller", false);
            refs.add(ref);
        }
        return sandbox.store.create(ResourceCatalog.CONFIG_MAP, cm);
    }

    private ObjectNode configMap(String name) {
        return sandbox.create(ResourceCatalog.CONFIG_MAP, "{\"metadata\": {\"name\": \"" + name + "\", \"namespace\": \"demo\"}}");
    }

    private boolean exists(String name) {
        return sandbox.store.get(ResourceCatalog.CONFIG_MAP, SandboxUnderTest.NS, name).isPresent();
    }

    @Test
    void objectsOrphanedBeforeStartAreCollectedTransitively() {
        ObjectNode root = configMap("root");
        ObjectNode child = configMapOwnedBy("child", root);
        configMapOwnedBy("grandchild", child);
        configMap("bystander");
        sandbox.store.delete(ResourceCatalog.CONFIG_MAP, SandboxUnderTest.NS, "root");

        sandbox.manager.start();

        await().until(() -> !exists("child") && !exists("grandchild"));
        assertThat(exists("bystander")).isTrue();
    }

    @Test
    void aDependentWithALiveOwnerOnlyLosesTheDeadReference() {
        sandbox.manager.start();
        ObjectNode a = configMap("a");
        ObjectNode b = configMap("b");
        configMapOwnedBy("shared", a, b);

        sandbox.store.delete(ResourceCatalog.CONFIG_MAP, SandboxUnderTest.NS, "a");

        await().untilAsserted(() -> assertThat(sandbox.get(ResourceCatalog.CONFIG_MAP, "shared").path("metadata").path("ownerReferences"))
                .singleElement().satisfies(ref -> assertThat(ref.path("uid").asString()).isEqualTo(OwnerReferences.uid(b))));
        // a same-named replacement is a different owner: the reference is by uid
        configMap("a");
        sandbox.store.delete(ResourceCatalog.CONFIG_MAP, SandboxUnderTest.NS, "b");
        await().until(() -> !exists("shared"));
    }
}

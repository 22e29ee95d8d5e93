package dev.kproxy.sandbox.controllers;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A store with a running controller manager, plus what a kubelet would do to pods: give them an
 * IP, move them to Running and flip their Ready condition. Objects are written as JSON text.
 */
final class SandboxUnderTest implements AutoCloseable {
    static final String NS = "demo";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    final ObjectStore store = new ObjectStore();
    final ControllerManager manager;
    private final AtomicInteger nextIp = new AtomicInteger(10);

    SandboxUnderTest() {
        this(true);
    }

    SandboxUnderTest(boolean start) {
        store.create(ResourceCatalog.NAMESPACE, parse("{\"metadata\":{\"name\":\"" + NS + "\"}}"));
        manager = new ControllerManager(store, new Admission(store));
        if (start) {
            manager.start();
        }
    }

    static ObjectNode parse(String json) {
        return (ObjectNode) JSON.readTree(json);
    }

    ObjectNode create(ResourceType type, String json) {
        return store.create(type, parse(json));
    }

    List<ObjectNode> list(ResourceType type) {
        return store.list(type, NS);
    }

    ObjectNode get(ResourceType type, String name) {
        return store.get(type, NS, name).orElseThrow(() -> new AssertionError(type + " " + name + " not found"));
    }

    List<ObjectNode> podsControlledBy(JsonNode owner) {
        return store.list(ResourceCatalog.POD, NS, p -> OwnerReferences.isControlledBy(p, owner));
    }

    /** As a kubelet: Running with an IP, Ready or not. */
    ObjectNode runPod(String name, boolean ready) {
        return store.modify(ResourceCatalog.POD, NS, name, pod -> {
            ObjectNode status = pod.withObjectProperty("status");
            status.put("phase", "Running");
            if (!status.has("podIP")) {
                status.put("podIP", "10.244.0." + nextIp.getAndIncrement());
            }
            ObjectNode condition = status.putArray("conditions").addObject();
            condition.put("type", "Ready");
            condition.put("status", ready ? "True" : "False");
            condition.put("lastTransitionTime", ObjectStore.now());
            return pod;
        });
    }

    /** Marks every pod in the namespace that is not Ready yet as Running and Ready. */
    void readyAllPods() {
        for (ObjectNode pod : list(ResourceCatalog.POD)) {
            if (!PodConditions.isReady(pod)) {
                runPod(pod.path("metadata").path("name").asString(), true);
            }
        }
    }

    @Override
    public void close() {
        manager.close();
        store.close();
    }
}

package dev.kproxy.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class EndpointSliceControllerTest {
    private final SandboxUnderTest sandbox = new SandboxUnderTest();

    @AfterEach
    void close() {
        sandbox.close();
    }

    private void createPod(String name, String app, int httpPort) {
        sandbox.create(ResourceCatalog.POD, """
                {"metadata": {"name": "%s", "namespace": "demo", "labels": {"app": "%s"}},
                 "spec": {"nodeName": "sandbox",
                          "containers": [{"name": "main", "image": "x", "ports": [{"name": "http", "containerPort": %d}]}]}}
                """.formatted(name, app, httpPort));
    }

    private void createService(String name, String selector, String targetPort) {
        sandbox.create(ResourceCatalog.SERVICE, """
                {"metadata": {"name": "%s", "namespace": "demo", "labels": {"team": "blue"}},
                 "spec": {%s "clusterIP": "10.96.0.10",
                          "ports": [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": %s}]}}
                """.formatted(name, selector, targetPort));
    }

    private List<ObjectNode> slicesOf(String service) {
        return sandbox.store.list(ResourceCatalog.ENDPOINT_SLICE, SandboxUnderTest.NS,
                s -> s.path("metadata").path("labels").path(EndpointSliceController.SERVICE_NAME_LABEL).asString("").equals(service));
    }

    /** pod name → the slice endpoint that lists it. */
    private Map<String, JsonNode> endpointsByPod(String service) {
        Map<String, JsonNode> byPod = new TreeMap<>();
        for (ObjectNode slice : slicesOf(service)) {
            for (JsonNode ep : slice.path("endpoints").values()) {
                byPod.put(ep.path("targetRef").path("name").asString(), ep);
            }
        }
        return byPod;
    }

    @Test
    void sliceListsSelectedPodsWithTheirReadiness() {
        createPod("a", "web", 8080);
        createPod("b", "web", 8080);
        createPod("other", "db", 5432);
        createService("web", "\"selector\": {\"app\": \"web\"},", "8080");
        ObjectNode a = sandbox.runPod("a", true);
        sandbox.runPod("b", false);
        sandbox.runPod("other", true);

        await().untilAsserted(() -> {
            List<ObjectNode> slices = slicesOf("web");
            assertThat(slices).hasSize(1);
            ObjectNode slice = slices.get(0);
            assertThat(slice.path("addressType").asString()).isEqualTo("IPv4");
            assertThat(slice.path("metadata").path("generateName").asString()).isEqualTo("web-");
            assertThat(slice.path("metadata").path("labels").path(EndpointSliceController.MANAGED_BY_LABEL).asString())
                    .isEqualTo("endpointslice-controller.k8s.io");
            assertThat(slice.path("metadata").path("labels").path("team").asString()).isEqualTo("blue");
            assertThat(slice.path("metadata").path("ownerReferences").get(0).path("kind").asString()).isEqualTo("Service");
            assertThat(slice.path("ports").get(0).path("port").asInt()).isEqualTo(8080);
            assertThat(slice.path("ports").get(0).path("name").asString()).isEqualTo("web");
            Map<String, JsonNode> eps = endpointsByPod("web");
            assertThat(eps.keySet()).containsExactly("a", "b");
            JsonNode epA = eps.get("a");
            assertThat(epA.path("addresses").get(0).asString()).isEqualTo(a.path("status").path("podIP").asString());
            assertThat(epA.path("conditions").path("ready").asBoolean()).isTrue();
            assertThat(epA.path("conditions").path("serving").asBoolean()).isTrue();
            assertThat(epA.path("conditions").path("terminating").asBoolean()).isFalse();
            assertThat(epA.path("targetRef").path("uid").asString()).isEqualTo(OwnerReferences.uid(a));
            assertThat(epA.path("nodeName").asString()).isEqualTo("sandbox");
            assertThat(eps.get("b").path("conditions").path("ready").asBoolean()).isFalse();
        });

        await().untilAsserted(() -> {
            JsonNode subset = sandbox.get(ResourceCatalog.ENDPOINTS, "web").path("subsets").get(0);
            assertThat(subset.path("addresses")).hasSize(1);
            assertThat(subset.path("addresses").get(0).path("targetRef").path("name").asString()).isEqualTo("a");
            assertThat(subset.path("notReadyAddresses").get(0).path("targetRef").path("name").asString()).isEqualTo("b");
            assertThat(subset.path("ports").get(0).path("port").asInt()).isEqualTo(8080);
        });

        sandbox.runPod("b", true);
        sandbox.runPod("a", false);
        await().untilAsserted(() -> {
            Map<String, JsonNode> eps = endpointsByPod("web");
            assertThat(eps.get("a").path("conditions").path("ready").asBoolean()).isFalse();
            assertThat(eps.get("b").path("conditions").path("ready").asBoolean()).isTrue();
        });
    }

    @Test
    void namedTargetPortIsResolvedPerPodIntoSeparateSlices() {
        createPod("old", "web", 8080);
        createPod("new", "web", 9090);
        sandbox.create(ResourceCatalog.POD, """
                {"metadata": {"name": "portless", "namespace": "demo", "labels": {"app": "web"}},
                 "spec": {"containers": [{"name": "main", "image": "x"}]}}
                """);
        createService("web", "\"selector\": {\"app\": \"web\"},", "\"http\"");
        sandbox.runPod("old", true);
        sandbox.runPod("new", true);
        sandbox.runPod("portless", true);

        await().untilAsserted(() -> {
            Map<Integer, List<String>> podsByPort = new TreeMap<>();
            for (ObjectNode slice : slicesOf("web")) {
                int port = slice.path("ports").get(0).path("port").asInt();
                List<String> pods = new ArrayList<>();
                slice.path("endpoints").values().forEach(ep -> pods.add(ep.path("targetRef").path("name").asString()));
                podsByPort.put(port, pods);
            }
            assertThat(podsByPort).containsOnly(Map.entry(8080, List.of("old")), Map.entry(9090, List.of("new")));
        });
    }

    @Test
    void statefulSetPodsGetHostnamesInTheirHeadlessServicesSlice() {
        sandbox.create(ResourceCatalog.SERVICE, """
                {"metadata": {"name": "db", "namespace": "demo"},
                 "spec": {"selector": {"app": "db"}, "clusterIP": "None", "ports": [{"port": 5432}]}}
                """);
        sandbox.create(ResourceCatalog.POD, """
                {"metadata": {"name": "db-0", "namespace": "demo", "labels": {"app": "db"}},
                 "spec": {"hostname": "db-0", "subdomain": "db", "containers": [{"name": "main", "image": "x"}]}}
                """);
        sandbox.runPod("db-0", true);

        await().untilAsserted(() -> {
            assertThat(endpointsByPod("db").get("db-0").path("hostname").asString()).isEqualTo("db-0");
            assertThat(slicesOf("db").get(0).path("metadata").path("labels").has(EndpointSliceController.HEADLESS_LABEL)).isTrue();
            assertThat(slicesOf("db").get(0).path("ports").get(0).path("port").asInt()).isEqualTo(5432);
        });
    }

    @Test
    void serviceWithoutSelectorIsLeftAloneAndADeletedServiceLosesItsSlices() {
        createPod("a", "web", 8080);
        sandbox.runPod("a", true);
        createService("manual", "", "8080");
        sandbox.create(ResourceCatalog.ENDPOINTS, """
                {"metadata": {"name": "manual", "namespace": "demo"},
                 "subsets": [{"addresses": [{"ip": "192.0.2.1"}], "ports": [{"port": 8080}]}]}
                """);
        createService("web", "\"selector\": {\"app\": \"web\"},", "8080");
        await().until(() -> slicesOf("web").size() == 1 && sandbox.store.get(ResourceCatalog.ENDPOINTS, SandboxUnderTest.NS, "web").isPresent());

        // the selector-less Service's user-written Endpoints are untouched and it got no slice
        assertThat(slicesOf("manual")).isEmpty();
        assertThat(sandbox.get(ResourceCatalog.ENDPOINTS, "manual").path("subsets").get(0).path("addresses").get(0).path("ip").asString())
                .isEqualTo("192.0.2.1");

        sandbox.store.delete(ResourceCatalog.SERVICE, SandboxUnderTest.NS, "web");
        await().untilAsserted(() -> {
            assertThat(slicesOf("web")).isEmpty();
            assertThat(sandbox.store.get(ResourceCatalog.ENDPOINTS, SandboxUnderTest.NS, "web")).isEmpty();
        });
    }

    @Test
    void aServiceWithNoReadyBackendKeepsAnEmptyPlaceholderSlice() {
        createService("web", "\"selector\": {\"app\": \"web\"},", "8080");
        await().untilAsserted(() -> {
            assertThat(slicesOf("web")).singleElement().satisfies(s -> {
                assertThat(s.path("endpoints")).isEmpty();
                assertThat(s.path("ports")).isEmpty();
            });
        });
        createPod("a", "web", 8080);
        sandbox.runPod("a", true);
        await().untilAsserted(() -> assertThat(slicesOf("web")).singleElement()
                .satisfies(s -> assertThat(s.path("endpoints")).hasSize(1)));
    }
}

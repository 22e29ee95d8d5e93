package dev.kproxy.sandbox.admission;

import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A pod's {@code status.qosClass}, after {@code pkg/apis/core/v1/helper/qos/qos.go}: BestEffort
 * with no requests or limits at all, Guaranteed when every container limits cpu and memory and
 * requests exactly its limits, Burstable otherwise.
 */
final class QosClass {
    private static final List<String> COMPUTE = List.of("cpu", "memory");

    private QosClass() {
    }

    static String of(JsonNode podSpec) {
        List<ObjectNode> containers = new ArrayList<>(JsonFields.items(podSpec, "containers"));
        containers.addAll(JsonFields.items(podSpec, "initContainers"));
        boolean any = false;
        boolean guaranteed = true;
        for (ObjectNode c : containers) {
            JsonNode requests = c.path("resources").path("requests");
            JsonNode limits = c.path("resources").path("limits");
            for (String resource : COMPUTE) {
                any |= requests.has(resource) || limits.has(resource);
                guaranteed &= limits.has(resource)
                        && limits.get(resource).asString("").equals(requests.path(resource).asString(""));
            }
        }
        if (!any) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}

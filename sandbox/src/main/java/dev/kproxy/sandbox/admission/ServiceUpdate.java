package dev.kproxy.sandbox.admission;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How the service registry reconciles an update with the stored Service before validating it
 * ({@code pkg/registry/core/service/strategy.go} dropTypeDependentFields and
 * {@code .../storage/storage.go} patchAllocatedValues): fields the old type needed are dropped when
 * the type changes and the user left them as they were; allocated values the update leaves out
 * are kept.
 */
final class ServiceUpdate {
    private ServiceUpdate() {
    }

    static void reconcile(ObjectNode current, ObjectNode updated) {
        JsonNode before = current.path("spec");
        ObjectNode after = JsonFields.object(updated, "spec");
        if (after == null) {
            return;
        }
        dropTypeDependentFields(before, after);
        patchAllocatedValues(before, after);
    }

    private static void dropTypeDependentFields(JsonNode before, ObjectNode after) {
        if (ServiceAllocation.needsClusterIp(before) && !ServiceAllocation.needsClusterIp(after)) {
            for (String field : new String[] {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"}) {
                dropIfUnchanged(before, after, field);
            }
        }
        if (ServiceAllocation.needsNodePorts(before) && !ServiceAllocation.needsNodePorts(after)
                && ServiceAllocation.nodePortsOf(before).equals(ServiceAllocation.nodePortsOf(after))) {
            JsonFields.items(after, "ports").forEach(port -> port.remove("nodePort"));
        }
        String type = after.path("type").asString("");
        if ("LoadBalancer".equals(before.path("type").asString("")) && !type.equals("LoadBalancer")) {
            dropIfUnchanged(before, after, "allocateLoadBalancerNodePorts");
        }
        boolean externalBefore = ServiceAllocation.needsNodePorts(before) || "LoadBalancer".equals(before.path("type").asString(""));
        boolean externalAfter = type.equals("NodePort") || type.equals("LoadBalancer");
        if (externalBefore && !externalAfter) {
            dropIfUnchanged(before, after, "externalTrafficPolicy");
        }
    }

    private static void dropIfUnchanged(JsonNode before, ObjectNode after, String field) {
        if (after.has(field) && after.get(field).equals(before.get(field))) {
            after.remove(field);
        }
    }

    /** NodePorts are matched by port name, as patchAllocatedValues does, and never reused within the update. */
    private static void patchAllocatedValues(JsonNode before, ObjectNode after) {
        if (ServiceAllocation.needsClusterIp(before) && ServiceAllocation.needsClusterIp(after)
                && JsonFields.string(after, "clusterIP").isEmpty()) {
            copy(before, after, "clusterIP");
            copy(before, after, "clusterIPs");
        }
        if (ServiceAllocation.needsNodePorts(before) && ServiceAllocation.needsNodePorts(after)) {
            Map<String, JsonNode> byName = new HashMap<>();
            for (ObjectNode port : JsonFields.items(before, "ports")) {
                byName.put(JsonFields.string(port, "name"), port.get("nodePort"));
            }
            Set<Integer> used = new HashSet<>(ServiceAllocation.nodePortsOf(after));
            for (ObjectNode port : JsonFields.items(after, "ports")) {
                JsonNode old = byName.get(JsonFields.string(port, "name"));
                if (port.path("nodePort").asInt(0) == 0 && old != null && old.isIntegralNumber() && used.add(old.asInt())) {
                    port.put("nodePort", old.asInt());
                }
            }
        }
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        if (from.has(field)) {
            to.set(field, from.get(field).deepCopy());
        }
    }
}

package dev.kproxy.intercept;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Finds the one workload whose pods a Service selects: the Deployment, StatefulSet or ReplicaSet
 * whose pod template carries every label of the Service's selector. ReplicaSets a Deployment
 * controls are the Deployment's business and are skipped.
 */
final class WorkloadFinder {

    private final ClusterObjects objects;

    WorkloadFinder(ClusterObjects objects) {
        this.objects = objects;
    }

    Workload find(ObjectNode service) {
        String namespace = service.path("metadata").path("namespace").asString();
        String name = service.path("metadata").path("name").asString();
        JsonNode selector = service.path("spec").path("selector");
        if (selector.isEmpty()) {
            throw new InterceptException("service " + namespace + "/" + name + " has no selector, so no workload of its"
                    + " own to add the agent to: intercept a Service that selects pods");
        }
        List<Workload> found = new ArrayList<>();
        for (ObjectKind kind : ObjectKind.WORKLOADS) {
            for (ObjectNode o : objects.list(kind, namespace, Map.of())) {
                if (matches(selector, o.path("spec").path("template").path("metadata").path("labels"))
                        && !(kind == ObjectKind.REPLICA_SET && controlled(o))) {
                    found.add(Workload.of(kind, o));
                }
            }
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        String labels = selector.properties().stream().map(e -> e.getKey() + "=" + e.getValue().asString())
                .collect(Collectors.joining(","));
        if (found.isEmpty()) {
            throw new InterceptException("service " + namespace + "/" + name + " selects no Deployment, StatefulSet or"
                    + " ReplicaSet (selector " + labels + "): deploy its workload first, or check the selector");
        }
        throw new InterceptException("service " + namespace + "/" + name + " (selector " + labels + ") selects several"
                + " workloads: " + found.stream().map(Workload::ref).collect(Collectors.joining(", "))
                + "; kproxy intercepts a Service backed by exactly one workload");
    }

    private static boolean matches(JsonNode selector, JsonNode labels) {
        return selector.properties().stream()
                .allMatch(e -> labels.path(e.getKey()).isString() && labels.path(e.getKey()).asString().equals(e.getValue().asString()));
    }

    private static boolean controlled(JsonNode object) {
        for (JsonNode owner : object.path("metadata").path("ownerReferences")) {
            if (owner.path("controller").asBoolean(false)) {
                return true;
            }
        }
        return false;
    }
}

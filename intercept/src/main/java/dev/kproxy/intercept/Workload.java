package dev.kproxy.intercept;

import java.util.LinkedHashMap;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A Deployment, StatefulSet or ReplicaSet as read from the API server. */
record Workload(ObjectKind kind, String namespace, String name, ObjectNode object) {

    static Workload of(ObjectKind kind, ObjectNode object) {
        JsonNode meta = object.path("metadata");
        return new Workload(kind, meta.path("namespace").asString(), meta.path("name").asString(), object);
    }

    ObjectNode templateSpec() {
        return (ObjectNode) object.path("spec").path("template").path("spec");
    }

    /** The pods' labels to list them by: {@code spec.selector.matchLabels}. */
    Map<String, String> podLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        object.path("spec").path("selector").path("matchLabels").properties()
                .forEach(e -> labels.put(e.getKey(), e.getValue().asString()));
        return labels;
    }

    /** {@code deployment/sage}, as kubectl names it. */
    String ref() {
        return kind.lower() + "/" + name;
    }

    @Override
    public String toString() {
        return kind.lower() + " " + namespace + "/" + name;
    }
}

package dev.kproxy.sandbox.admission;

import tools.jackson.databind.node.ObjectNode;

/**
 * What a Namespace gets on creation: the {@code kubernetes} finalizer and phase Active
 * ({@code pkg/registry/core/namespace/strategy.go}) and the immutable
 * {@code kubernetes.io/metadata.name} label (SetDefaults_Namespace).
 */
final class NamespaceDefaults {
    static final String NAME_LABEL = "kubernetes.io/metadata.name";

    private NamespaceDefaults() {
    }

    static void apply(ObjectNode namespace) {
        ObjectNode meta = JsonFields.object(namespace, "metadata");
        String name = JsonFields.string(meta, "name");
        if (meta != null && !name.isEmpty()) {
            ObjectNode labels = JsonFields.object(meta, "labels");
            if (labels != null) {
                labels.put(NAME_LABEL, name);
            }
        }
        ObjectNode spec = JsonFields.object(namespace, "spec");
        if (spec != null && !spec.has("finalizers")) {
            spec.putArray("finalizers").add("kubernetes");
        }
        ObjectNode status = JsonFields.object(namespace, "status");
        if (status != null) {
            JsonFields.defaultString(status, "phase", "Active");
        }
    }
}

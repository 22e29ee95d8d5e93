package dev.kproxy.sandbox.admission;

import tools.jackson.databind.node.ObjectNode;

/**
 * A Pod as the API server stores it: its spec defaulted, bound to the sandbox's single node (the
 * scheduler's job in a real cluster), and, like {@code pkg/registry/core/pod/strategy.go}
 * PrepareForCreate, phase Pending with its QoS class until the kubelet reports otherwise.
 */
final class PodDefaults {
    private PodDefaults() {
    }

    static void apply(ObjectNode pod) {
        ObjectNode spec = JsonFields.object(pod, "spec");
        if (spec == null) {
            return;
        }
        PodSpecDefaults.apply(spec, true);
        JsonFields.defaultString(spec, "nodeName", Admission.NODE_NAME);
        ObjectNode status = JsonFields.object(pod, "status");
        if (status != null) {
            JsonFields.defaultString(status, "phase", "Pending");
            JsonFields.defaultString(status, "qosClass", QosClass.of(spec));
        }
    }
}

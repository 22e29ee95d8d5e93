package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.admission.JsonFields.defaultBoolean;
import static dev.kproxy.sandbox.admission.JsonFields.defaultString;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SetDefaults_Service of {@code pkg/apis/core/v1/defaults.go}, plus the IP-family fields the
 * service registry fills on a single-stack IPv4 cluster ({@code pkg/registry/core/service/storage}).
 */
final class ServiceDefaults {
    /** v1.DefaultClientIPServiceAffinitySeconds: three hours. */
    private static final int CLIENT_IP_AFFINITY_SECONDS = 10800;

    private ServiceDefaults() {
    }

    static void apply(ObjectNode service) {
        ObjectNode spec = JsonFields.object(service, "spec");
        if (spec == null) {
            return;
        }
        defaultString(spec, "type", "ClusterIP");
        defaultString(spec, "sessionAffinity", "None");
        String affinity = JsonFields.string(spec, "sessionAffinity");
        if (affinity.equals("None")) {
            spec.remove("sessionAffinityConfig");
        } else if (affinity.equals("ClientIP")) {
            ObjectNode clientIp = JsonFields.object(JsonFields.object(spec, "sessionAffinityConfig"), "clientIP");
            JsonFields.defaultInt(clientIp, "timeoutSeconds", CLIENT_IP_AFFINITY_SECONDS);
        }
        for (ObjectNode port : JsonFields.items(spec, "ports")) {
            defaultString(port, "protocol", "TCP");
            JsonNode target = port.get("targetPort");
            boolean unset = target == null || target.isNull() || (target.isString() && target.asString().isEmpty())
                    || (target.isNumber() && target.asInt() == 0);
            if (unset && port.has("port")) {
                port.set("targetPort", port.get("port").deepCopy());
            }
        }
        String type = JsonFields.string(spec, "type");
        boolean external = type.equals("NodePort") || type.equals("LoadBalancer");
        if (external) {
            defaultString(spec, "externalTrafficPolicy", "Cluster");
        }
        if (external || type.equals("ClusterIP")) {
            defaultString(spec, "internalTrafficPolicy", "Cluster");
            defaultString(spec, "ipFamilyPolicy", "SingleStack");
            if (!(spec.get("ipFamilies") instanceof ArrayNode families) || families.isEmpty()) {
                spec.putArray("ipFamilies").add("IPv4");
            }
        }
        if (type.equals("LoadBalancer")) {
            defaultBoolean(spec, "allocateLoadBalancerNodePorts", true);
        }
        ObjectNode status = JsonFields.object(service, "status");
        if (status != null) {
            JsonFields.object(status, "loadBalancer");
        }
    }
}

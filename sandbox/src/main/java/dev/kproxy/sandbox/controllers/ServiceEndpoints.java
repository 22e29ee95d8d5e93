package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pods a Service with a selector sends traffic to, each with what both the EndpointSlice and
 * the Endpoints controllers publish about it (after {@code endpointsliceutil.ShouldPodBeInEndpoints},
 * {@code ShouldSetHostname} and the reconciler's readiness rules).
 */
final class ServiceEndpoints {

    /** One resolved service port on one pod. */
    record Port(String name, String protocol, int port, String appProtocol) {
    }

    /**
     * One pod behind the Service. ready: takes traffic; serving: passes its readiness probe even
     * while terminating; hostname: set for pods whose subdomain is this Service (StatefulSet DNS).
     */
    record Backend(JsonNode pod, String ip, boolean ready, boolean serving, boolean terminating,
                   String hostname, String nodeName, List<Port> ports) {

        ObjectNode targetRef() {
            ObjectNode ref = JsonNodeFactory.instance.objectNode();
            ref.put("kind", "Pod");
            ref.put("namespace", pod.path("metadata").path("namespace").asString(""));
            ref.put("name", pod.path("metadata").path("name").asString(""));
            ref.put("uid", pod.path("metadata").path("uid").asString(""));
            return ref;
        }
    }

    private ServiceEndpoints() {
    }

    static boolean hasSelector(JsonNode service) {
        JsonNode selector = service.path("spec").path("selector");
        return selector.isObject() && !selector.isEmpty();
    }

    static boolean isHeadless(JsonNode service) {
        return service.path("spec").path("clusterIP").asString("").equals("None");
    }

    static boolean selects(JsonNode service, JsonNode pod) {
        return hasSelector(service)
                && LabelSelectorMatcher.matchesMap(service.path("spec").path("selector"), pod.path("metadata").path("labels"));
    }

    /**
     * The Service's backends among the pods, ordered by pod name. A pod is left out when it has no
     * IPv4 address yet, has finished, is terminating (unless includeTerminating or the Service
     * publishes not-ready addresses), or when none of the Service's ports resolves on it.
     */
    static List<Backend> of(JsonNode service, List<? extends JsonNode> pods, boolean includeTerminating) {
        boolean publishNotReady = service.path("spec").path("publishNotReadyAddresses").asBoolean(false);
        String serviceName = service.path("metadata").path("name").asString("");
        List<JsonNode> sorted = new ArrayList<>(pods);
        sorted.sort(Comparator.comparing(p -> p.path("metadata").path("name").asString("")));
        List<Backend> backends = new ArrayList<>();
        for (JsonNode pod : sorted) {
            String ip = pod.path("status").path("podIP").asString("");
            boolean terminating = PodConditions.isTerminating(pod);
            if (!selects(service, pod) || ip.isEmpty() || ip.contains(":") || PodConditions.isTerminal(pod)
                    || (terminating && !includeTerminating && !publishNotReady)) {
                continue;
            }
            List<Port> ports = new ArrayList<>();
            JsonNode servicePorts = service.path("spec").path("ports");
            for (JsonNode servicePort : servicePorts.values()) {
                OptionalInt port = TargetPortResolver.resolve(servicePort, pod);
                if (port.isPresent()) {
                    ports.add(new Port(servicePort.path("name").asString(""), servicePort.path("protocol").asString("TCP"),
                            port.getAsInt(), servicePort.path("appProtocol").asString("")));
                }
            }
            if (ports.isEmpty() && !servicePorts.isEmpty()) {
                continue;
            }
            boolean podReady = PodConditions.isReady(pod);
            JsonNode podSpec = pod.path("spec");
            String hostname = podSpec.path("hostname").asString("");
            boolean ownSubdomain = !hostname.isEmpty() && podSpec.path("subdomain").asString("").equals(serviceName);
            backends.add(new Backend(pod, ip, publishNotReady || (podReady && !terminating), publishNotReady || podReady,
                    terminating, ownSubdomain ? hostname : "", podSpec.path("nodeName").asString(""), List.copyOf(ports)));
        }
        return backends;
    }
}

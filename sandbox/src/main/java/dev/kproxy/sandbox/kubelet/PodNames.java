package dev.kproxy.sandbox.kubelet;

import tools.jackson.databind.JsonNode;

/** A pod's hostname and DNS subdomain, as the kubelet derives them (GeneratePodHostNameAndDomain). */
final class PodNames {
    private PodNames() {
    }

    /** {@code spec.hostname} if set, else the pod name truncated to 63 characters (a DNS label). */
    static String hostname(JsonNode pod) {
        String h = pod.path("spec").path("hostname").asString("");
        if (h.isEmpty()) {
            h = pod.path("metadata").path("name").asString("");
        }
        return h.length() > 63 ? h.substring(0, 63).replaceAll("[-.]+$", "") : h;
    }

    /** {@code hostname.subdomain.ns.svc.cluster.local} when the pod sets a subdomain, else empty. */
    static String fqdn(JsonNode pod) {
        String subdomain = pod.path("spec").path("subdomain").asString("");
        if (subdomain.isEmpty()) {
            return "";
        }
        return hostname(pod) + "." + subdomain + "." + pod.path("metadata").path("namespace").asString("") + ".svc.cluster.local";
    }
}

package dev.kproxy.sandbox.network;

import java.util.Optional;

/**
 * ClusterIPs come from 10.96.0.0/12 and are unroutable, as in a real cluster. Inside the sandbox
 * a pod reaches a Service at the ClusterIP's loopback twin (10.a.b.c -> 127.a.b.c), where the
 * sandbox's kube-proxy stand-in listens; pods' hosts files map service names to the twin.
 * Nothing outside the sandbox's own pods is told about the twin.
 */
public final class ClusterIpTwin {
    private ClusterIpTwin() {
    }

    /** The loopback twin of a ClusterIP, or empty for "None" (headless) and non-10/8 addresses. */
    public static Optional<String> of(String clusterIp) {
        if (clusterIp == null || !clusterIp.startsWith("10.")) {
            return Optional.empty();
        }
        return Optional.of("127." + clusterIp.substring(3));
    }
}

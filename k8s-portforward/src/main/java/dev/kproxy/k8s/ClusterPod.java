package dev.kproxy.k8s;

import java.util.List;

/** An immutable view of a Pod: its addresses, whether it runs and is ready, its DNS hostname. */
public record ClusterPod(String namespace, String name, List<String> ips, String phase, boolean ready,
                         boolean hostNetwork, String hostname, String subdomain) {

    public ClusterPod {
        ips = List.copyOf(ips);
    }

    public boolean running() {
        return "Running".equals(phase);
    }
}

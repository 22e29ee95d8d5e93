package dev.kproxy.k8s;

import java.util.List;

/** An immutable view of a Service: what name resolution and DNS need of it. */
public record ClusterService(String namespace, String name, String type, List<String> clusterIPs,
                             String externalName, List<ServicePortSpec> ports) {

    public ClusterService {
        clusterIPs = List.copyOf(clusterIPs);
        ports = List.copyOf(ports);
    }

    /** {@code clusterIP: None}: DNS answers with the pods' addresses. */
    public boolean headless() {
        return clusterIPs.isEmpty() && !isExternalName();
    }

    public boolean isExternalName() {
        return "ExternalName".equals(type);
    }
}

package dev.kproxy.launcher.connect;

import dev.kproxy.dns.ClusterDirectory;
import dev.kproxy.dns.EndpointEntry;
import dev.kproxy.dns.PodEntry;
import dev.kproxy.dns.PortEntry;
import dev.kproxy.dns.ServiceEntry;
import dev.kproxy.k8s.ClusterIndex;
import dev.kproxy.k8s.ClusterService;

import java.util.List;
import java.util.Optional;

/**
 * The DNS server's view of the cluster, read from {@link ClusterIndex}'s informer caches: every
 * call answers from memory (the DNS server calls it on its event loop).
 */
public final class ClusterDirectoryAdapter implements ClusterDirectory {

    private final ClusterIndex index;

    public ClusterDirectoryAdapter(ClusterIndex index) {
        this.index = index;
    }

    @Override
    public Optional<ServiceEntry> service(String namespace, String name) {
        return index.service(namespace, name).map(this::entry);
    }

    @Override
    public List<ServiceEntry> services(String namespace) {
        return index.services(namespace).stream().map(this::entry).toList();
    }

    @Override
    public Optional<ServiceEntry> serviceByClusterIp(String ip) {
        return index.serviceByClusterIp(ip).map(this::entry);
    }

    @Override
    public Optional<PodEntry> podByIp(String ip) {
        return index.podByIp(ip).map(pod -> new PodEntry(pod.namespace(), pod.name(), ip));
    }

    @Override
    public boolean namespaceExists(String namespace) {
        return index.knowsNamespace(namespace);
    }

    private ServiceEntry entry(ClusterService service) {
        String clusterIp = service.clusterIPs().isEmpty() ? null : service.clusterIPs().get(0);
        String externalName = service.isExternalName() ? service.externalName() : null;
        List<PortEntry> ports = service.ports().stream()
                .map(p -> new PortEntry(p.name(), p.protocol(), p.port()))
                .toList();
        List<EndpointEntry> endpoints = service.isExternalName() ? List.of()
                : index.readyAddresses(service.namespace(), service.name()).stream()
                        .map(e -> new EndpointEntry(e.address(), e.hostname(), e.pod()))
                        .toList();
        return new ServiceEntry(service.namespace(), service.name(), clusterIp, externalName, ports, endpoints);
    }
}

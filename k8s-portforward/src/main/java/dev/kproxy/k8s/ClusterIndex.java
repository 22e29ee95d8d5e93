package dev.kproxy.k8s;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * What the cluster looks like, kept current by fabric8 informers on Services, EndpointSlices and
 * Pods in the mapped namespaces (or all namespaces). Lookups read the informer caches and return
 * immutable snapshots ({@link ClusterService}, {@link ClusterPod}, {@link ServiceEndpoint}).
 */
public final class ClusterIndex implements AutoCloseable {

    /** The label that ties an EndpointSlice to its Service (kubernetes discovery/v1 well-known labels). */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private static final String BY_CLUSTER_IP = "clusterIP";
    private static final String BY_POD_IP = "podIP";
    private static final String BY_SERVICE = "service";

    private final Set<String> namespaces;
    private final InformedResources<Service> services;
    private final InformedResources<EndpointSlice> slices;
    private final InformedResources<Pod> pods;
    private final CompletableFuture<Void> ready;

    private ClusterIndex(KubernetesClient client, Set<String> namespaces) {
        this.namespaces = Set.copyOf(namespaces);
        this.services = new InformedResources<>("Service", client.services(), this.namespaces,
                Map.of(BY_CLUSTER_IP, ClusterIndex::clusterIPs));
        this.slices = new InformedResources<>("EndpointSlice", client.discovery().v1().endpointSlices(), this.namespaces,
                Map.of(BY_SERVICE, ClusterIndex::owningService));
        this.pods = new InformedResources<>("Pod", client.pods(), this.namespaces,
                Map.of(BY_POD_IP, ClusterIndex::routablePodIPs));
        this.ready = CompletableFuture.allOf(services.synced(), slices.synced(), pods.synced());
    }

    /**
     * Starts watching. {@code namespaces} empty means all namespaces (needs cluster-wide list/watch).
     * The index answers from its caches at once; {@link #ready()} says when the first lists arrived.
     */
    public static ClusterIndex start(KubernetesClient client, Set<String> namespaces) {
        return new ClusterIndex(client, namespaces);
    }

    /** Completes when the initial lists of all kinds are in; fails if one of them could not be listed. */
    public CompletableFuture<Void> ready() {
        return ready.copy();
    }

    /** The namespaces watched; empty when all are. */
    public Set<String> namespaces() {
        return namespaces;
    }

    /** True if the namespace is watched (mapped mode) or holds a known Service or Pod (all-namespaces mode). */
    public boolean knowsNamespace(String namespace) {
        if (!namespaces.isEmpty()) {
            return namespaces.contains(namespace);
        }
        return !services.inNamespace(namespace).isEmpty() || !pods.inNamespace(namespace).isEmpty();
    }

    public Optional<ClusterService> service(String namespace, String name) {
        return services.get(namespace, name).map(ClusterIndex::toService);
    }

    public Optional<ClusterService> serviceByClusterIp(String ip) {
        return services.byIndex(BY_CLUSTER_IP, ip).stream().findFirst().map(ClusterIndex::toService);
    }

    public List<ClusterService> services() {
        return services.all().stream().map(ClusterIndex::toService).toList();
    }

    public List<ClusterService> services(String namespace) {
        return services.inNamespace(namespace).stream().map(ClusterIndex::toService).toList();
    }

    public Optional<ClusterPod> pod(String namespace, String name) {
        return pods.get(namespace, name).map(ClusterIndex::toPod);
    }

    /** The pod that owns this IP now (running pods win over pending ones); host-network pods are not indexed. */
    public Optional<ClusterPod> podByIp(String ip) {
        return pods.byIndex(BY_POD_IP, ip).stream().map(ClusterIndex::toPod)
                .min(Comparator.comparing(pod -> !pod.running()));
    }

    public List<ClusterPod> pods() {
        return pods.all().stream().map(ClusterIndex::toPod).toList();
    }

    /**
     * Ready, not terminating endpoints of one service port, sorted by pod name then address. The
     * slice ports carry the service port's name and the port number on the endpoints, which is
     * how a named targetPort resolves per endpoint. {@code servicePortName} null asks for the
     * endpoints of slices without ports (a port-less headless service): their port is 0.
     */
    public List<ServiceEndpoint> readyEndpoints(String namespace, String service, String servicePortName) {
        return collect(namespace, service, slice -> slicePort(slice, servicePortName));
    }

    /**
     * Every ready, not terminating address behind a service whatever its ports (what DNS answers
     * for a headless service), with port 0, sorted by pod name then address.
     */
    public List<ServiceEndpoint> readyAddresses(String namespace, String service) {
        return collect(namespace, service, slice -> Optional.of(0));
    }

    private List<ServiceEndpoint> collect(String namespace, String service, Function<EndpointSlice, Optional<Integer>> portOf) {
        Map<String, ServiceEndpoint> unique = new LinkedHashMap<>();
        for (EndpointSlice slice : slices.byIndex(BY_SERVICE, namespace + "/" + service)) {
            if ("FQDN".equals(slice.getAddressType())) {
                continue;
            }
            Optional<Integer> port = portOf.apply(slice);
            if (port.isEmpty()) {
                continue;
            }
            for (Endpoint endpoint : nullSafe(slice.getEndpoints())) {
                if (!usable(endpoint)) {
                    continue;
                }
                ServiceEndpoint found = new ServiceEndpoint(namespace, podName(endpoint),
                        endpoint.getAddresses().get(0), port.get(), endpoint.getHostname());
                unique.putIfAbsent(found.address() + ":" + found.port(), found);
            }
        }
        return unique.values().stream()
                .sorted(Comparator.comparing((ServiceEndpoint e) -> Objects.toString(e.pod(), ""))
                        .thenComparing(ServiceEndpoint::address))
                .toList();
    }

    /**
     * The ready endpoint of a (headless) service whose DNS hostname is {@code hostname}, as
     * StatefulSet pods get ({@code pod-0.svc.ns.svc.cluster.local}); its port is 0.
     */
    public Optional<ServiceEndpoint> endpointByHostname(String namespace, String service, String hostname) {
        return slices.byIndex(BY_SERVICE, namespace + "/" + service).stream()
                .flatMap(slice -> nullSafe(slice.getEndpoints()).stream())
                .filter(endpoint -> hostname.equals(endpoint.getHostname()) && usable(endpoint))
                .findFirst()
                .map(endpoint -> new ServiceEndpoint(namespace, podName(endpoint), endpoint.getAddresses().get(0), 0, hostname));
    }

    @Override
    public void close() {
        services.close();
        slices.close();
        pods.close();
    }

    /** discovery/v1 EndpointConditions: a nil {@code ready} means unknown and is read as ready. */
    private static boolean usable(Endpoint endpoint) {
        EndpointConditions conditions = endpoint.getConditions();
        boolean ready = conditions == null || conditions.getReady() == null || conditions.getReady();
        boolean terminating = conditions != null && Boolean.TRUE.equals(conditions.getTerminating());
        return ready && !terminating && endpoint.getAddresses() != null && !endpoint.getAddresses().isEmpty();
    }

    private static Optional<Integer> slicePort(EndpointSlice slice, String servicePortName) {
        List<EndpointPort> ports = nullSafe(slice.getPorts());
        if (servicePortName == null) {
            return ports.isEmpty() ? Optional.of(0) : Optional.empty();
        }
        return ports.stream()
                .filter(port -> servicePortName.equals(Objects.toString(port.getName(), "")) && port.getPort() != null)
                .map(EndpointPort::getPort)
                .findFirst();
    }

    private static String podName(Endpoint endpoint) {
        ObjectReference ref = endpoint.getTargetRef();
        return ref != null && "Pod".equals(ref.getKind()) ? ref.getName() : null;
    }

    private static List<String> clusterIPs(Service service) {
        return toService(service).clusterIPs();
    }

    private static List<String> owningService(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return service == null ? List.of() : List.of(slice.getMetadata().getNamespace() + "/" + service);
    }

    /** Finished pods keep their IPs in status although the IPs may be reused: leave them out. */
    private static List<String> routablePodIPs(Pod pod) {
        ClusterPod view = toPod(pod);
        boolean finished = "Succeeded".equals(view.phase()) || "Failed".equals(view.phase());
        return view.hostNetwork() || finished ? List.of() : view.ips();
    }

    static ClusterService toService(Service service) {
        var spec = service.getSpec();
        String type = spec.getType() == null ? "ClusterIP" : spec.getType();
        List<String> ips = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
                ? spec.getClusterIPs() : Stream.ofNullable(spec.getClusterIP()).toList();
        List<String> clusterIPs = ips.stream().filter(ip -> ip != null && !ip.isBlank() && !"None".equals(ip)).toList();
        List<ServicePortSpec> ports = nullSafe(spec.getPorts()).stream()
                .map(p -> new ServicePortSpec(p.getName(), p.getPort() == null ? 0 : p.getPort(), p.getProtocol(),
                        targetPort(p.getTargetPort())))
                .toList();
        return new ClusterService(service.getMetadata().getNamespace(), service.getMetadata().getName(), type,
                clusterIPs, spec.getExternalName(), ports);
    }

    private static String targetPort(IntOrString target) {
        if (target == null) {
            return "";
        }
        return target.getIntVal() != null ? String.valueOf(target.getIntVal()) : Objects.toString(target.getStrVal(), "");
    }

    static ClusterPod toPod(Pod pod) {
        var status = pod.getStatus();
        var spec = pod.getSpec();
        List<String> ips = new ArrayList<>();
        if (status != null) {
            nullSafe(status.getPodIPs()).stream().map(PodIP::getIp).filter(Objects::nonNull).forEach(ips::add);
            if (ips.isEmpty() && status.getPodIP() != null) {
                ips.add(status.getPodIP());
            }
        }
        boolean ready = status != null && nullSafe(status.getConditions()).stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        return new ClusterPod(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), ips,
                status == null ? null : status.getPhase(), ready,
                spec != null && Boolean.TRUE.equals(spec.getHostNetwork()),
                spec == null ? null : spec.getHostname(), spec == null ? null : spec.getSubdomain());
    }

    private static <T> List<T> nullSafe(List<T> list) {
        return list == null ? List.of() : list;
    }
}

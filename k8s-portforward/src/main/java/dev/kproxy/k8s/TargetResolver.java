package dev.kproxy.k8s;

import io.netty.util.NetUtil;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Decides where a connection to {@code host:port} goes, using the names cluster DNS would answer
 * (kubernetes/dns docs/specification.md): {@code svc}, {@code svc.ns}, {@code svc.ns.svc},
 * {@code svc.ns.svc.<domain>}, {@code hostname.svc.ns.svc.<domain>}, {@code a-b-c-d.ns.pod.<domain>},
 * a ClusterIP or a pod IP. Services go to one of their ready, non-terminating endpoints, in turn.
 * Anything else is outside the cluster ({@link Target.Direct}, unless direct connections are off).
 */
public final class TargetResolver {

    private final ClusterIndex index;
    private final String defaultNamespace;
    private final String clusterDomain;
    private final boolean allowDirect;
    private final Map<String, AtomicInteger> turns = new ConcurrentHashMap<>();

    /**
     * @param defaultNamespace the namespace of the kubeconfig context: where bare {@code svc} names live
     * @param clusterDomain    usually {@code cluster.local}
     * @param allowDirect      false for {@code --no-direct}: names outside the cluster are refused
     */
    public TargetResolver(ClusterIndex index, String defaultNamespace, String clusterDomain, boolean allowDirect) {
        this.index = index;
        this.defaultNamespace = defaultNamespace;
        this.clusterDomain = trimDots(clusterDomain.toLowerCase(Locale.ROOT));
        this.allowDirect = allowDirect;
    }

    public Target resolve(String host, int port) {
        String name = trimDots(host.toLowerCase(Locale.ROOT));
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        if (NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name)) {
            return resolveIp(name, port);
        }
        List<String> labels = Arrays.asList(name.split("\\."));
        boolean inClusterDomain = name.endsWith("." + clusterDomain);
        List<String> local = inClusterDomain
                ? labels.subList(0, labels.size() - clusterDomain.split("\\.").length) : labels;
        String kind = local.isEmpty() ? "" : local.get(local.size() - 1);
        if ("svc".equals(kind) && local.size() == 3) {
            return resolveService(local.get(1), local.get(0), port);
        }
        if ("svc".equals(kind) && local.size() == 4) {
            return resolveHostname(local.get(2), local.get(1), local.get(0), port);
        }
        if ("pod".equals(kind) && local.size() == 3) {
            return resolveDashedPodIp(local.get(1), local.get(0), host, port);
        }
        if (inClusterDomain) {
            return new Target.Refused(host + " is not a cluster name kproxy knows; use <service>.<namespace>.svc."
                    + clusterDomain + ", <hostname>.<service>.<namespace>.svc." + clusterDomain
                    + " or <a-b-c-d>.<namespace>.pod." + clusterDomain);
        }
        if (labels.size() == 1) {
            return resolveService(defaultNamespace, name, port);
        }
        if (labels.size() == 2 && (index.service(labels.get(1), labels.get(0)).isPresent() || index.knowsNamespace(labels.get(1)))) {
            return resolveService(labels.get(1), labels.get(0), port);
        }
        return direct(host, port);
    }

    private Target resolveIp(String ip, int port) {
        Optional<ClusterService> service = index.serviceByClusterIp(ip);
        if (service.isPresent()) {
            return serviceTarget(service.get(), port);
        }
        Optional<ClusterPod> pod = index.podByIp(ip);
        if (pod.isPresent()) {
            return podTarget(pod.get(), port);
        }
        return direct(ip, port);
    }

    private Target resolveService(String namespace, String name, int port) {
        return index.service(namespace, name)
                .map(service -> serviceTarget(service, port))
                .orElseGet(() -> new Target.Refused("service " + name + " not found in namespace " + namespace
                        + "; check `kubectl get services -n " + namespace + "`"
                        + (index.knowsNamespace(namespace) ? "" : " (kproxy does not watch namespace " + namespace + ")")));
    }

    private Target resolveHostname(String namespace, String serviceName, String hostname, int port) {
        if (index.service(namespace, serviceName).isEmpty()) {
            return resolveService(namespace, serviceName, port);
        }
        return index.endpointByHostname(namespace, serviceName, hostname)
                .map(endpoint -> endpointTarget(endpoint, port, "service " + namespace + "/" + serviceName))
                .orElseGet(() -> new Target.Refused("no ready endpoint with hostname " + hostname + " behind service "
                        + namespace + "/" + serviceName + "; check `kubectl get pods -n " + namespace + "`"));
    }

    /** {@code 10-1-2-3.ns.pod.<domain>}: the pod with that IP (kubernetes/dns specification §2.4 is about the A record; any pod with the IP answers). */
    private Target resolveDashedPodIp(String namespace, String dashed, String host, int port) {
        String ip = dashed.replace('-', '.');
        if (!NetUtil.isValidIpV4Address(ip)) {
            ip = dashed.replace('-', ':');
        }
        if (!NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
            return new Target.Refused(host + " is not a pod name: the first label must be the pod IP with dashes, e.g. 10-1-2-3");
        }
        String address = ip;
        return index.podByIp(ip)
                .filter(pod -> pod.namespace().equals(namespace))
                .map(pod -> podTarget(pod, port))
                .orElseGet(() -> new Target.Refused("no pod with IP " + address + " in namespace " + namespace
                        + "; check `kubectl get pods -o wide -n " + namespace + "`"));
    }

    private Target serviceTarget(ClusterService service, int port) {
        String what = "service " + service.namespace() + "/" + service.name();
        if (service.isExternalName()) {
            return direct(service.externalName(), port);
        }
        Optional<ServicePortSpec> servicePort = service.ports().stream()
                .filter(p -> p.port() == port && "TCP".equals(p.protocol()))
                .findFirst();
        if (servicePort.isEmpty() && !(service.headless() && service.ports().isEmpty())) {
            return new Target.Refused(what + " has no TCP port " + port + "; its ports are "
                    + service.ports().stream().map(p -> p.port() + "/" + p.protocol()).collect(Collectors.joining(", "))
                    + (service.ports().isEmpty() ? "none" : ""));
        }
        List<ServiceEndpoint> endpoints = index.readyEndpoints(service.namespace(), service.name(),
                servicePort.map(ServicePortSpec::name).orElse(null));
        if (endpoints.isEmpty()) {
            return new Target.Refused(what + " port " + port + " has no ready endpoints; check its pods with `kubectl get endpointslices -n "
                    + service.namespace() + " -l " + ClusterIndex.SERVICE_NAME_LABEL + "=" + service.name() + "`");
        }
        String key = service.namespace() + "/" + service.name() + ":" + port;
        int turn = Math.floorMod(turns.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement(), endpoints.size());
        return endpointTarget(endpoints.get(turn), port, what);
    }

    /** An endpoint's port 0 means "the requested port" (headless hostname and port-less services). */
    private Target endpointTarget(ServiceEndpoint endpoint, int requestedPort, String what) {
        int podPort = endpoint.port() == 0 ? requestedPort : endpoint.port();
        if (endpoint.pod() != null) {
            return new Target.PodTarget(endpoint.namespace(), endpoint.pod(), podPort);
        }
        return index.podByIp(endpoint.address())
                .<Target>map(pod -> new Target.PodTarget(pod.namespace(), pod.name(), podPort))
                .orElseGet(() -> new Target.Refused("endpoint " + endpoint.address() + " of " + what
                        + " is not a pod, and port-forward reaches pods only"));
    }

    private Target podTarget(ClusterPod pod, int port) {
        if (!pod.running()) {
            return new Target.Refused("pod " + pod.namespace() + "/" + pod.name() + " is " + pod.phase()
                    + ", not Running; check `kubectl describe pod -n " + pod.namespace() + " " + pod.name() + "`");
        }
        return new Target.PodTarget(pod.namespace(), pod.name(), port);
    }

    private Target direct(String host, int port) {
        if (!allowDirect) {
            return new Target.Refused(host + " is outside the cluster and direct connections are off (--no-direct)");
        }
        return new Target.Direct(host, port);
    }

    private static String trimDots(String name) {
        int end = name.length();
        while (end > 0 && name.charAt(end - 1) == '.') {
            end--;
        }
        return name.substring(0, end);
    }
}

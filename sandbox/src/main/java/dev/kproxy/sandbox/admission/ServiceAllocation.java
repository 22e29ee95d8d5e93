package dev.kproxy.sandbox.admission;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ClusterIPs and NodePorts of Services, allocated and released as the service registry does
 * ({@code pkg/registry/core/service/storage/alloc.go}). One lock covers both allocators, so an
 * admit either gets everything it asked for or nothing, and concurrent admits never share a value.
 *
 * <p>What the allocators hold is checked against the stored Services too: an object stored without
 * passing through here, or an update whose write failed after its old values were released, can
 * still not have its IP or port handed to someone else.
 */
final class ServiceAllocation {
    private final ObjectStore store;
    private final ClusterIpAllocator ips = new ClusterIpAllocator();
    private final NodePortAllocator nodePorts = new NodePortAllocator();

    ServiceAllocation(ObjectStore store) {
        this.store = store;
    }

    /** Allocates for a Service being created. */
    synchronized void allocate(ObjectNode service, FieldErrors errors) {
        reallocate(null, service, errors);
    }

    /** Allocates what an update newly needs; releases what it no longer uses, once all else succeeded. */
    synchronized void reallocate(ObjectNode current, ObjectNode updated, FieldErrors errors) {
        ObjectNode spec = JsonFields.object(updated, "spec");
        if (spec == null) {
            return;
        }
        InUse stored = inUse(updated);
        List<Runnable> undo = new ArrayList<>();
        String oldIp = current == null ? "" : allocatedIp(current.path("spec"));
        String newIp = clusterIp(updated, spec, oldIp, stored, undo, errors);
        Set<Integer> oldPorts = current == null ? Set.of() : nodePortsOf(current.path("spec"));
        Set<Integer> newPorts = nodePorts(spec, oldPorts, stored, undo, errors);
        if (!errors.isEmpty()) {
            undo.forEach(Runnable::run);
            return;
        }
        if (!oldIp.isEmpty() && !oldIp.equals(newIp)) {
            ips.release(oldIp);
        }
        for (int port : oldPorts) {
            if (!newPorts.contains(port)) {
                nodePorts.release(port);
            }
        }
    }

    synchronized void release(ObjectNode service) {
        String ip = allocatedIp(service.path("spec"));
        if (!ip.isEmpty()) {
            ips.release(ip);
        }
        nodePortsOf(service.path("spec")).forEach(nodePorts::release);
    }

    private String clusterIp(ObjectNode service, ObjectNode spec, String oldIp, InUse stored, List<Runnable> undo,
            FieldErrors errors) {
        if (!needsClusterIp(spec)) {
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
            return "";
        }
        String ip = JsonFields.string(spec, "clusterIP");
        if (ip.isEmpty() && spec.path("clusterIPs").size() > 0) {
            ip = spec.path("clusterIPs").get(0).asString("");
        }
        if (ip.equals("None")) {
            setIp(spec, ip);
            return "";
        }
        boolean kubernetes = "default".equals(service.path("metadata").path("namespace").asString(""))
                && "kubernetes".equals(service.path("metadata").path("name").asString(""));
        if (ip.isEmpty() && kubernetes) {
            ip = ClusterIpAllocator.KUBERNETES_SERVICE_IP;
        }
        if (ip.isEmpty()) {
            Optional<String> next = ips.allocateNext(stored.ips::contains);
            if (next.isEmpty()) {
                errors.invalidRendered("spec.clusterIPs", "[]string(nil)", "failed to allocate a serviceIP: range is full");
                return "";
            }
            String got = next.get();
            undo.add(() -> ips.release(got));
            setIp(spec, got);
            return got;
        }
        if (!ip.equals(oldIp)) {
            Optional<String> refused = ip.equals(ClusterIpAllocator.KUBERNETES_SERVICE_IP) && !kubernetes
                    ? Optional.of("failed to allocate IP " + ip + ": provided IP is already allocated")
                    : ips.allocate(ip, stored.ips::contains);
            if (refused.isPresent()) {
                errors.invalidRendered("spec.clusterIPs", GoValue.stringSlice(List.of(ip)), refused.get());
                return "";
            }
            String got = ip;
            undo.add(() -> ips.release(got));
        }
        setIp(spec, ip);
        return ip;
    }

    private static void setIp(ObjectNode spec, String ip) {
        spec.put("clusterIP", ip);
        spec.putArray("clusterIPs").add(ip);
    }

    private Set<Integer> nodePorts(ObjectNode spec, Set<Integer> oldPorts, InUse stored, List<Runnable> undo,
            FieldErrors errors) {
        Set<Integer> mine = new HashSet<>();
        if (!needsNodePorts(spec)) {
            return mine;
        }
        List<ObjectNode> ports = JsonFields.items(spec, "ports");
        for (int i = 0; i < ports.size(); i++) {
            ObjectNode port = ports.get(i);
            int requested = port.path("nodePort").asInt(0);
            if (requested != 0) {
                if (oldPorts.contains(requested) || mine.contains(requested)) {
                    mine.add(requested);
                    continue;
                }
                Optional<String> refused = nodePorts.allocate(requested, stored.nodePorts::contains);
                if (refused.isPresent()) {
                    errors.invalid("spec.ports[" + i + "].nodePort", requested, refused.get());
                    continue;
                }
                undo.add(() -> nodePorts.release(requested));
                mine.add(requested);
            } else {
                Optional<Integer> next = nodePorts.allocateNext(stored.nodePorts::contains);
                if (next.isEmpty()) {
                    errors.forbidden("spec.ports[" + i + "].nodePort", "failed to allocate a nodePort: range is full");
                    continue;
                }
                int got = next.get();
                undo.add(() -> nodePorts.release(got));
                port.put("nodePort", got);
                mine.add(got);
            }
        }
        return mine;
    }

    static boolean needsClusterIp(JsonNode spec) {
        return !"ExternalName".equals(spec.path("type").asString(""));
    }

    static boolean needsNodePorts(JsonNode spec) {
        String type = spec.path("type").asString("");
        return type.equals("NodePort")
                || (type.equals("LoadBalancer") && spec.path("allocateLoadBalancerNodePorts").asBoolean(true));
    }

    private static String allocatedIp(JsonNode spec) {
        String ip = spec.path("clusterIP").asString("");
        return ServiceValidator.isIpv4(ip) ? ip : "";
    }

    static Set<Integer> nodePortsOf(JsonNode spec) {
        Set<Integer> out = new HashSet<>();
        for (ObjectNode port : JsonFields.items(spec, "ports")) {
            int p = port.path("nodePort").asInt(0);
            if (p != 0) {
                out.add(p);
            }
        }
        return out;
    }

    /** The IPs and NodePorts of every stored Service except the one being admitted. */
    private record InUse(Set<String> ips, Set<Integer> nodePorts) {
    }

    private InUse inUse(ObjectNode self) {
        String namespace = self.path("metadata").path("namespace").asString("");
        String name = self.path("metadata").path("name").asString("");
        Set<String> usedIps = new HashSet<>();
        Set<Integer> usedPorts = new HashSet<>();
        for (ObjectNode other : store.list(ResourceCatalog.SERVICE, null)) {
            JsonNode meta = other.path("metadata");
            if (meta.path("namespace").asString("").equals(namespace) && meta.path("name").asString("").equals(name)) {
                continue;
            }
            String ip = allocatedIp(other.path("spec"));
            if (!ip.isEmpty()) {
                usedIps.add(ip);
            }
            usedPorts.addAll(nodePortsOf(other.path("spec")));
        }
        return new InUse(usedIps, usedPorts);
    }
}

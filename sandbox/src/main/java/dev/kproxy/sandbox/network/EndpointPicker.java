package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Chooses the endpoint for a new connection to a Service port, round-robin over the ready
 * endpoints of the Service's EndpointSlices (label {@code kubernetes.io/service-name}). The
 * slices are read from the store at connect time, so a connection never goes to an endpoint the
 * store no longer lists. As kube-proxy does (pkg/proxy/endpointslicecache.go), an endpoint counts
 * when {@code conditions.ready} is not false and it is not terminating, and the target port is
 * the slice port with the Service port's name (that is how a named targetPort resolves per pod).
 */
final class EndpointPicker {
    private static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    private final ObjectStore store;
    private final Map<ServicePort, AtomicLong> turns = new ConcurrentHashMap<>();

    EndpointPicker(ObjectStore store) {
        this.store = store;
    }

    Optional<InetSocketAddress> pick(ServicePort servicePort) {
        List<InetSocketAddress> ready = readyEndpoints(servicePort);
        if (ready.isEmpty()) {
            return Optional.empty();
        }
        long turn = turns.computeIfAbsent(servicePort, k -> new AtomicLong()).getAndIncrement();
        return Optional.of(ready.get((int) Math.floorMod(turn, (long) ready.size())));
    }

    List<InetSocketAddress> readyEndpoints(ServicePort servicePort) {
        List<ObjectNode> slices = store.list(ResourceCatalog.ENDPOINT_SLICE, servicePort.namespace(),
                s -> servicePort.service().equals(s.path("metadata").path("labels").path(SERVICE_NAME_LABEL).asString("")));
        List<InetSocketAddress> out = new ArrayList<>();
        for (ObjectNode slice : slices) {
            if (!slice.path("addressType").asString("IPv4").equals("IPv4")) {
                continue;
            }
            int port = slicePort(slice, servicePort.name());
            if (port <= 0) {
                continue;
            }
            for (JsonNode endpoint : slice.path("endpoints")) {
                JsonNode conditions = endpoint.path("conditions");
                boolean ready = conditions.path("ready").asBoolean(true);
                boolean terminating = conditions.path("terminating").asBoolean(false);
                String address = endpoint.path("addresses").path(0).asString("");
                if (ready && !terminating && !address.isEmpty()) {
                    out.add(new InetSocketAddress(address, port));
                }
            }
        }
        return out;
    }

    private static int slicePort(ObjectNode slice, String name) {
        for (JsonNode p : slice.path("ports")) {
            if (p.path("name").asString("").equals(name) && p.path("protocol").asString("TCP").equals("TCP")) {
                return p.path("port").asInt(0);
            }
        }
        return 0;
    }
}

package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.StoreException;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The legacy {@code v1 Endpoints} object of every Service with a selector, for older clients,
 * after {@code pkg/controller/endpoint/endpoints_controller.go}: one subset per distinct set of
 * resolved ports, ready pods under {@code addresses} and the others under
 * {@code notReadyAddresses}, terminating pods left out. Named after the Service and, as upstream,
 * deleted when the Service is.
 */
final class EndpointsController extends ServiceBackendController {

    EndpointsController(ObjectStore store) {
        super(store, ResourceCatalog.ENDPOINTS, "endpoints-controller");
    }

    @Override
    protected Optional<ObjectKey> serviceOf(WatchEvent e) {
        // Only a deletion: Endpoints written before their selector-less Service must not be swept away.
        return e.type() == WatchEvent.Type.DELETED ? Optional.of(ObjectKey.of(e.object())) : Optional.empty();
    }

    @Override
    protected void publish(ObjectKey key, ObjectNode service) {
        Map<List<ServiceEndpoints.Port>, List<ServiceEndpoints.Backend>> byPorts = new LinkedHashMap<>();
        for (ServiceEndpoints.Backend b : ServiceEndpoints.of(service, podsOf(key, service), false)) {
            byPorts.computeIfAbsent(b.ports(), p -> new ArrayList<>()).add(b);
        }
        ArrayNode subsets = JsonNodeFactory.instance.arrayNode();
        byPorts.forEach((ports, backends) -> subsets.add(subset(ports, backends)));

        ObjectNode labels = JsonNodeFactory.instance.objectNode();
        service.path("metadata").path("labels").properties().forEach(l -> labels.set(l.getKey(), l.getValue()));
        if (ServiceEndpoints.isHeadless(service)) {
            labels.put(EndpointSliceController.HEADLESS_LABEL, "");
        }
        try {
            store.modify(ResourceCatalog.ENDPOINTS, key.namespace(), key.name(), current -> fill(current, labels, subsets));
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.NOT_FOUND) {
                throw e;
            }
            ObjectNode endpoints = JsonNodeFactory.instance.objectNode();
            endpoints.putObject("metadata").put("name", key.name()).put("namespace", key.namespace());
            store.create(ResourceCatalog.ENDPOINTS, fill(endpoints, labels, subsets));
        }
    }

    @Override
    protected void withdraw(ObjectKey key, boolean serviceExists) {
        if (!serviceExists) {
            IdempotentDelete.delete(store, ResourceCatalog.ENDPOINTS, key);
        }
        // a Service without a selector has Endpoints its user writes: leave them be
    }

    private static ObjectNode fill(ObjectNode endpoints, ObjectNode labels, ArrayNode subsets) {
        ((ObjectNode) endpoints.get("metadata")).set("labels", labels.deepCopy());
        if (subsets.isEmpty()) {
            endpoints.remove("subsets");
        } else {
            endpoints.set("subsets", subsets.deepCopy());
        }
        return endpoints;
    }

    private static ObjectNode subset(List<ServiceEndpoints.Port> ports, List<ServiceEndpoints.Backend> backends) {
        ObjectNode subset = JsonNodeFactory.instance.objectNode();
        List<ServiceEndpoints.Backend> byIp = new ArrayList<>(backends);
        byIp.sort(Comparator.comparing(ServiceEndpoints.Backend::ip)); // endpoints.SortSubsets
        ArrayNode ready = JsonNodeFactory.instance.arrayNode();
        ArrayNode notReady = JsonNodeFactory.instance.arrayNode();
        for (ServiceEndpoints.Backend b : byIp) {
            ObjectNode address = (b.ready() ? ready : notReady).addObject();
            address.put("ip", b.ip());
            if (!b.hostname().isEmpty()) {
                address.put("hostname", b.hostname());
            }
            if (!b.nodeName().isEmpty()) {
                address.put("nodeName", b.nodeName());
            }
            address.set("targetRef", b.targetRef());
        }
        if (!ready.isEmpty()) {
            subset.set("addresses", ready);
        }
        if (!notReady.isEmpty()) {
            subset.set("notReadyAddresses", notReady);
        }
        if (!ports.isEmpty()) {
            ArrayNode portList = subset.putArray("ports");
            for (ServiceEndpoints.Port p : ports) {
                ObjectNode port = portList.addObject();
                if (!p.name().isEmpty()) {
                    port.put("name", p.name());
                }
                port.put("port", p.port());
                port.put("protocol", p.protocol());
                if (!p.appProtocol().isEmpty()) {
                    port.put("appProtocol", p.appProtocol());
                }
            }
        }
        return subset;
    }
}

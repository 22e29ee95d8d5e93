package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Maintains the IPv4 EndpointSlices of every Service with a selector, after
 * {@code staging/src/k8s.io/endpointslice/reconciler.go}: backends grouped by their resolved ports
 * (pods whose named targetPort resolves differently land in different slices), at most 100 per
 * slice, existing slices updated in place before new ones are made, and one empty placeholder
 * slice when nothing backs the Service. Terminating pods stay listed with ready=false.
 */
final class EndpointSliceController extends ServiceBackendController {
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    static final String MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
    static final String MANAGED_BY = "endpointslice-controller.k8s.io";
    static final String HEADLESS_LABEL = "service.kubernetes.io/headless";
    private static final int MAX_ENDPOINTS_PER_SLICE = 100;

    EndpointSliceController(ObjectStore store) {
        super(store, ResourceCatalog.ENDPOINT_SLICE, "endpointslice-controller");
    }

    @Override
    protected Optional<ObjectKey> serviceOf(WatchEvent e) {
        JsonNode labels = e.object().path("metadata").path("labels");
        if (!labels.path(MANAGED_BY_LABEL).asString("").equals(MANAGED_BY)) {
            return Optional.empty();
        }
        return Optional.of(new ObjectKey(e.namespace(), labels.path(SERVICE_NAME_LABEL).asString("")));
    }

    @Override
    protected void publish(ObjectKey key, ObjectNode service) {
        Map<List<ServiceEndpoints.Port>, List<ServiceEndpoints.Backend>> byPorts = new LinkedHashMap<>();
        for (ServiceEndpoints.Backend b : ServiceEndpoints.of(service, podsOf(key, service), true)) {
            byPorts.computeIfAbsent(b.ports(), p -> new ArrayList<>()).add(b);
        }
        List<ObjectNode> desired = new ArrayList<>();
        byPorts.forEach((ports, backends) -> {
            for (int from = 0; from < backends.size(); from += MAX_ENDPOINTS_PER_SLICE) {
                desired.add(content(service, ports, backends.subList(from, Math.min(backends.size(), from + MAX_ENDPOINTS_PER_SLICE))));
            }
        });
        if (desired.isEmpty()) {
            desired.add(content(service, List.of(), List.of())); // the placeholder slice
        }

        // Reuse slices with the same ports first, then any other managed slice, and only then create.
        List<ObjectNode> unused = managedSlices(key);
        Map<ObjectNode, ObjectNode> reuse = new IdentityHashMap<>();
        for (ObjectNode want : desired) {
            unused.stream().filter(s -> s.path("ports").equals(want.path("ports"))).findFirst().ifPresent(s -> {
                unused.remove(s);
                reuse.put(want, s);
            });
        }
        for (ObjectNode want : desired) {
            if (!reuse.containsKey(want) && !unused.isEmpty()) {
                reuse.put(want, unused.remove(0));
            }
        }
        for (ObjectNode want : desired) {
            ObjectNode existing = reuse.get(want);
            if (existing == null) {
                store.create(ResourceCatalog.ENDPOINT_SLICE, want);
            } else {
                store.modify(ResourceCatalog.ENDPOINT_SLICE, key.namespace(), existing.path("metadata").path("name").asString(""),
                        current -> overwrite(current, want));
            }
        }
        unused.forEach(s -> IdempotentDelete.delete(store, ResourceCatalog.ENDPOINT_SLICE, ObjectKey.of(s)));
    }

    /** Replaces a slice's content, labels and owner with the wanted ones, keeping its identity. */
    private static ObjectNode overwrite(ObjectNode current, ObjectNode want) {
        want.properties().forEach(f -> {
            if (!f.getKey().equals("metadata")) {
                current.set(f.getKey(), f.getValue().deepCopy());
            }
        });
        ObjectNode meta = (ObjectNode) current.get("metadata");
        meta.set("labels", want.path("metadata").path("labels").deepCopy());
        meta.set("ownerReferences", want.path("metadata").path("ownerReferences").deepCopy());
        return current;
    }

    @Override
    protected void withdraw(ObjectKey key, boolean serviceExists) {
        managedSlices(key).forEach(s -> IdempotentDelete.delete(store, ResourceCatalog.ENDPOINT_SLICE, ObjectKey.of(s)));
    }

    private List<ObjectNode> managedSlices(ObjectKey service) {
        List<ObjectNode> slices = new ArrayList<>(store.list(ResourceCatalog.ENDPOINT_SLICE, service.namespace(), s -> {
            JsonNode labels = s.path("metadata").path("labels");
            return labels.path(MANAGED_BY_LABEL).asString("").equals(MANAGED_BY)
                    && labels.path(SERVICE_NAME_LABEL).asString("").equals(service.name());
        }));
        slices.sort(Comparator.comparing(s -> s.path("metadata").path("name").asString("")));
        return slices;
    }

    private static ObjectNode content(ObjectNode service, List<ServiceEndpoints.Port> ports, List<ServiceEndpoints.Backend> backends) {
        String serviceName = service.path("metadata").path("name").asString("");
        ObjectNode slice = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = slice.putObject("metadata");
        meta.put("generateName", serviceName + "-");
        meta.put("namespace", service.path("metadata").path("namespace").asString(""));
        ObjectNode labels = meta.putObject("labels");
        // reconciler_helpers.go setEndpointSliceLabels: the Service's labels, then the reserved ones
        service.path("metadata").path("labels").properties().forEach(l -> labels.set(l.getKey(), l.getValue()));
        labels.remove(HEADLESS_LABEL);
        if (ServiceEndpoints.isHeadless(service)) {
            labels.put(HEADLESS_LABEL, "");
        }
        labels.put(SERVICE_NAME_LABEL, serviceName);
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        OwnerReferences.setController(slice, ResourceCatalog.SERVICE, service);
        slice.put("addressType", "IPv4");
        ArrayNode endpoints = slice.putArray("endpoints");
        for (ServiceEndpoints.Backend b : backends) {
            ObjectNode ep = endpoints.addObject();
            ep.putArray("addresses").add(b.ip());
            ObjectNode conditions = ep.putObject("conditions");
            conditions.put("ready", b.ready());
            conditions.put("serving", b.serving());
            conditions.put("terminating", b.terminating());
            if (!b.hostname().isEmpty()) {
                ep.put("hostname", b.hostname());
            }
            ep.set("targetRef", b.targetRef());
            if (!b.nodeName().isEmpty()) {
                ep.put("nodeName", b.nodeName());
            }
        }
        ArrayNode portList = slice.putArray("ports");
        for (ServiceEndpoints.Port p : ports) {
            ObjectNode port = portList.addObject();
            port.put("name", p.name());
            port.put("protocol", p.protocol());
            port.put("port", p.port());
            if (!p.appProtocol().isEmpty()) {
                port.put("appProtocol", p.appProtocol());
            }
        }
        return slice;
    }
}

package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Background cascading deletion, after {@code pkg/controller/garbagecollector}: an object whose
 * every owner (matched by uid, not just name) is gone is deleted, which in turn frees its own
 * dependents, so Deployment → ReplicaSet → Pod cascades. An object that still has a live owner
 * only loses its references to the dead ones. Objects orphaned while the sandbox was not running
 * are found by a sweep at start.
 */
final class GarbageCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GarbageCollector.class);

    /** One object whose owners need checking. */
    private record Dependent(ResourceType type, ObjectKey key) {
    }

    private final ObjectStore store;
    private final ReconcileQueue<Dependent> queue;
    private final List<ObjectStore.Watch> watches = new ArrayList<>();

    GarbageCollector(ObjectStore store) {
        this.store = store;
        this.queue = new ReconcileQueue<>("garbage-collector", this::collect);
    }

    synchronized void start() {
        for (ResourceType type : ResourceCatalog.ALL) {
            watches.add(store.watch(type, null, 0, this::onEvent));
        }
        for (ResourceType type : ResourceCatalog.ALL) {
            for (ObjectNode o : store.list(type, null, o -> !OwnerReferences.all(o).isEmpty())) {
                queue.add(new Dependent(type, ObjectKey.of(o)));
            }
        }
    }

    private void onEvent(WatchEvent e) {
        if (e.type() == WatchEvent.Type.DELETED) {
            String uid = OwnerReferences.uid(e.object());
            String namespace = e.resourceType().namespaced() ? e.namespace() : null;
            for (ResourceType type : ResourceCatalog.ALL) {
                for (ObjectNode o : store.list(type, namespace, o -> ownedBy(o, uid))) {
                    queue.add(new Dependent(type, ObjectKey.of(o)));
                }
            }
        } else if (!OwnerReferences.all(e.object()).isEmpty()) {
            // created after its owner was deleted (a controller racing the deletion) or re-pointed
            queue.add(new Dependent(e.resourceType(), ObjectKey.of(e.object())));
        }
    }

    private void collect(Dependent dependent) {
        ObjectKey key = dependent.key();
        Optional<ObjectNode> found = store.get(dependent.type(), key.namespace(), key.name());
        if (found.isEmpty()) {
            return;
        }
        List<JsonNode> refs = OwnerReferences.all(found.get());
        Set<String> dangling = new HashSet<>();
        for (JsonNode ref : refs) {
            if (isDangling(ref, key.namespace())) {
                dangling.add(ref.path("uid").asString(""));
            }
        }
        if (dangling.isEmpty()) {
            return;
        }
        if (dangling.size() == refs.size()) {
            if (IdempotentDelete.delete(store, dependent.type(), key)) {
                LOG.debug("deleted {} {}: its owners are gone", dependent.type(), key);
            }
            return;
        }
        String uid = OwnerReferences.uid(found.get());
        store.modify(dependent.type(), key.namespace(), key.name(), o -> {
            if (!OwnerReferences.uid(o).equals(uid)) {
                return o;
            }
            ArrayNode kept = ((ObjectNode) o.get("metadata")).putArray("ownerReferences");
            refs.stream().filter(r -> !dangling.contains(r.path("uid").asString(""))).forEach(r -> kept.add(r.deepCopy()));
            return o;
        });
    }

    /** Whether the owner a reference names no longer exists; owners of kinds the sandbox does not know are left be. */
    private boolean isDangling(JsonNode ref, String namespace) {
        Optional<ResourceType> type = ResourceCatalog.byKind(ref.path("apiVersion").asString(""), ref.path("kind").asString(""));
        if (type.isEmpty()) {
            return false;
        }
        String ownerNamespace = type.get().namespaced() ? namespace : "";
        return store.get(type.get(), ownerNamespace, ref.path("name").asString(""))
                .map(owner -> !OwnerReferences.uid(owner).equals(ref.path("uid").asString("")))
                .orElse(true);
    }

    private static boolean ownedBy(JsonNode object, String uid) {
        return OwnerReferences.all(object).stream().anyMatch(r -> r.path("uid").asString("").equals(uid));
    }

    @Override
    public synchronized void close() {
        watches.forEach(ObjectStore.Watch::close);
        watches.clear();
        queue.close();
    }
}

package dev.kproxy.sandbox.manifest;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.node.ObjectNode;

/**
 * Creates manifests in the store through the same admission the REST API uses, all or nothing:
 * when one object is refused, the ones this call created are deleted again and the error names
 * the document that failed.
 */
public final class ManifestApplier {
    /** Namespaces before what lives in them, configuration before the workloads that mount it. */
    private static final List<ResourceType> ORDER = List.of(ResourceCatalog.NAMESPACE, ResourceCatalog.CONFIG_MAP,
            ResourceCatalog.SECRET, ResourceCatalog.SERVICE, ResourceCatalog.ENDPOINTS, ResourceCatalog.ENDPOINT_SLICE,
            ResourceCatalog.DEPLOYMENT, ResourceCatalog.STATEFUL_SET, ResourceCatalog.REPLICA_SET, ResourceCatalog.POD,
            ResourceCatalog.EVENT);

    private final ObjectStore store;
    private final Admission admission;

    public ManifestApplier(ObjectStore store, Admission admission) {
        this.store = store;
        this.admission = admission;
    }

    /** @return the created objects, in the order they were created */
    public List<ObjectNode> apply(List<Manifest> manifests) {
        List<Manifest> ordered = manifests.stream()
                .sorted(Comparator.comparingInt(m -> ORDER.indexOf(m.type())))
                .toList();
        Deque<Created> created = new ArrayDeque<>();
        try {
            for (Manifest m : ordered) {
                ObjectNode object = m.object().deepCopy();
                if (m.type().namespaced() && m.namespace().isEmpty()) {
                    ((ObjectNode) object.get("metadata")).put("namespace", "default");
                }
                try {
                    ObjectNode admitted = admission.admitCreate(m.type(), object);
                    try {
                        created.push(new Created(m.type(), store.create(m.type(), admitted)));
                    } catch (StoreException refused) {
                        admission.released(m.type(), admitted);
                        throw refused;
                    }
                } catch (StoreException e) {
                    throw new ManifestException(m.source() + " (" + m.describe() + "): " + e.getMessage());
                }
            }
        } catch (ManifestException e) {
            rollBack(created);
            throw e;
        }
        List<ObjectNode> inOrder = new java.util.ArrayList<>();
        created.descendingIterator().forEachRemaining(c -> inOrder.add(c.object()));
        return inOrder;
    }

    private void rollBack(Deque<Created> created) {
        for (Created c : created) {
            String ns = c.object().path("metadata").path("namespace").asString("");
            String name = c.object().path("metadata").path("name").asString("");
            try {
                admission.released(c.type(), store.delete(c.type(), ns, name));
            } catch (StoreException alreadyGone) {
                // A controller may have removed it meanwhile; nothing left to undo.
            }
        }
    }

    private record Created(ResourceType type, ObjectNode object) {
    }
}

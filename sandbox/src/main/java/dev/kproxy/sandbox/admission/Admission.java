package dev.kproxy.sandbox.admission;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the API server does to an object between decoding and storing it: validation, defaulting
 * and allocation (ClusterIPs, NodePorts). Used by every writer, the REST API and in-process
 * appliers alike, so an object looks the same whichever way it entered the sandbox.
 */
public final class Admission {
    private final ObjectStore store;

    public Admission(ObjectStore store) {
        this.store = store;
    }

    /**
     * Validates and defaults an object about to be created; allocates what the API server allocates.
     *
     * @throws dev.kproxy.sandbox.store.StoreException INVALID with a Kubernetes-style message, or
     *         NOT_FOUND when the namespace does not exist
     */
    public ObjectNode admitCreate(ResourceType type, ObjectNode object) {
        return object;
    }

    /** Validates and defaults a replacement of {@code current}; keeps allocated fields the update left out. */
    public ObjectNode admitUpdate(ResourceType type, ObjectNode current, ObjectNode updated) {
        return updated;
    }

    /** Frees what {@link #admitCreate} allocated for an object that was deleted. */
    public void released(ResourceType type, ObjectNode deleted) {
    }

    ObjectStore store() {
        return store;
    }
}

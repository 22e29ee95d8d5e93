package dev.kproxy.sandbox.admission;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the API server does to an object between decoding and storing it: validation, defaulting
 * and allocation (ClusterIPs, NodePorts). Used by every writer, the REST API and in-process
 * appliers alike, so an object looks the same whichever way it entered the sandbox.
 *
 * <p>As in the API server, defaulting runs first and validation sees the defaulted object.
 * Defaulting only fills what is absent, so admitting an admitted object changes nothing.
 * Thread-safe.
 *
 * <p>If the store refuses a create that was admitted, call {@link #released} with the admitted
 * object, or the values allocated for it stay reserved.
 */
public final class Admission {
    /** The sandbox's one node: pods without a nodeName are bound to it, as a scheduler would. */
    public static final String NODE_NAME = "kproxy-sandbox";

    private final ObjectStore store;
    private final ServiceAllocation services;

    public Admission(ObjectStore store) {
        this.store = store;
        this.services = new ServiceAllocation(store);
    }

    /**
     * Validates and defaults an object about to be created; allocates what the API server allocates.
     *
     * @throws dev.kproxy.sandbox.store.StoreException INVALID with a Kubernetes-style message, or
     *         NOT_FOUND when the namespace does not exist
     */
    public ObjectNode admitCreate(ResourceType type, ObjectNode object) {
        ObjectNode o = object.deepCopy();
        String name = MetadataValidator.name(o);
        FieldErrors errors = new FieldErrors();
        MetadataValidator.validate(type, o, errors);
        errors.throwIfAny(type, name);
        if (type.namespaced()) {
            String namespace = o.path("metadata").path("namespace").asString("");
            if (store.get(ResourceCatalog.NAMESPACE, "", namespace).isEmpty()) {
                throw StoreException.notFound(ResourceCatalog.NAMESPACE, namespace);
            }
        }
        if (!o.path("metadata").path("name").asString("").isEmpty()
                && store.get(type, o.path("metadata").path("namespace").asString(""), name).isPresent()) {
            throw new StoreException(StoreException.Reason.ALREADY_EXISTS, type + " \"" + name + "\" already exists");
        }
        defaults(type, o);
        validate(type, o, errors);
        errors.throwIfAny(type, name);
        if (type.equals(ResourceCatalog.SERVICE)) {
            services.allocate(o, errors);
            errors.throwIfAny(type, name);
        }
        return o;
    }

    /** Validates and defaults a replacement of {@code current}; keeps allocated fields the update left out. */
    public ObjectNode admitUpdate(ResourceType type, ObjectNode current, ObjectNode updated) {
        ObjectNode o = updated.deepCopy();
        String name = MetadataValidator.name(o);
        FieldErrors errors = new FieldErrors();
        MetadataValidator.validate(type, o, errors);
        errors.throwIfAny(type, name);
        if (type.equals(ResourceCatalog.SERVICE)) {
            ServiceUpdate.reconcile(current, o);
        }
        defaults(type, o);
        validate(type, o, errors);
        if (type.equals(ResourceCatalog.SERVICE)) {
            ServiceValidator.validateUpdate(current, o, errors);
        } else if (isWorkload(type)) {
            WorkloadValidator.validateUpdate(current, o, errors);
        }
        errors.throwIfAny(type, name);
        if (type.equals(ResourceCatalog.SERVICE)) {
            services.reallocate(current, o, errors);
            errors.throwIfAny(type, name);
        }
        return o;
    }

    /** Frees what {@link #admitCreate} allocated for an object that was deleted. */
    public void released(ResourceType type, ObjectNode deleted) {
        if (type.equals(ResourceCatalog.SERVICE)) {
            services.release(deleted);
        }
    }

    ObjectStore store() {
        return store;
    }

    private static boolean isWorkload(ResourceType type) {
        return type.equals(ResourceCatalog.DEPLOYMENT) || type.equals(ResourceCatalog.REPLICA_SET)
                || type.equals(ResourceCatalog.STATEFUL_SET);
    }

    private static void defaults(ResourceType type, ObjectNode o) {
        if (type.equals(ResourceCatalog.POD)) {
            PodDefaults.apply(o);
        } else if (isWorkload(type)) {
            WorkloadDefaults.apply(type, o);
        } else if (type.equals(ResourceCatalog.SERVICE)) {
            ServiceDefaults.apply(o);
        } else if (type.equals(ResourceCatalog.NAMESPACE)) {
            NamespaceDefaults.apply(o);
        }
    }

    private static void validate(ResourceType type, ObjectNode o, FieldErrors errors) {
        if (type.equals(ResourceCatalog.POD)) {
            PodSpecValidator.validate(o.get("spec"), "spec", errors);
        } else if (isWorkload(type)) {
            WorkloadValidator.validate(o, errors);
        } else if (type.equals(ResourceCatalog.SERVICE)) {
            ServiceValidator.validate(o, errors);
        }
    }
}

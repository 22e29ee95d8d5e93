package dev.kproxy.sandbox.admission;

import dev.kproxy.sandbox.patch.Json;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.node.ObjectNode;

/** A store with namespace {@code default} and an Admission in front of it, writing as the API server does. */
final class Sandbox implements AutoCloseable {
    final ObjectStore store = new ObjectStore();
    final Admission admission = new Admission(store);

    Sandbox() {
        create(ResourceCatalog.NAMESPACE, Json.object("{'metadata':{'name':'default'}}"));
    }

    ObjectNode create(ResourceType type, ObjectNode object) {
        return store.create(type, admission.admitCreate(type, object));
    }

    ObjectNode update(ResourceType type, ObjectNode current, ObjectNode updated) {
        return store.update(type, admission.admitUpdate(type, current, updated));
    }

    ObjectNode delete(ResourceType type, String namespace, String name) {
        ObjectNode deleted = store.delete(type, namespace, name);
        admission.released(type, deleted);
        return deleted;
    }

    @Override
    public void close() {
        store.close();
    }
}

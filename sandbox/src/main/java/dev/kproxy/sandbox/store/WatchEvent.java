package dev.kproxy.sandbox.store;

import tools.jackson.databind.node.ObjectNode;

/** One change to one object, in the order the store made it. The object is a private copy. */
public record WatchEvent(Type type, ResourceType resourceType, ObjectNode object, long resourceVersion) {
    public enum Type { ADDED, MODIFIED, DELETED }

    public String namespace() {
        return object.path("metadata").path("namespace").asString("");
    }

    public String name() {
        return object.path("metadata").path("name").asString("");
    }
}

package dev.kproxy.sandbox.controllers;

import tools.jackson.databind.JsonNode;

/** Namespace and name of one object: the unit a controller reconciles (client-go's {@code cache.MetaNamespaceKey}). */
record ObjectKey(String namespace, String name) {

    static ObjectKey of(JsonNode object) {
        JsonNode meta = object.path("metadata");
        return new ObjectKey(meta.path("namespace").asString(""), meta.path("name").asString(""));
    }

    @Override
    public String toString() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}

package dev.kproxy.sandbox.manifest;

import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.node.ObjectNode;

/**
 * One object read from a YAML document, with where it came from so every error can name it.
 *
 * @param source   "FILE, document N"
 * @param type     the resource type its apiVersion/kind names
 * @param object   the object as written
 */
public record Manifest(String source, ResourceType type, ObjectNode object) {

    public String name() {
        return object.path("metadata").path("name").asString("");
    }

    public String namespace() {
        return object.path("metadata").path("namespace").asString("");
    }

    /** "Deployment wjyl-dev/sage" */
    public String describe() {
        return type.kind() + " " + (type.namespaced() ? namespace() + "/" : "") + name();
    }
}

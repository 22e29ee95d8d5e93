package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** Reading and writing {@code metadata.ownerReferences} (apimachinery {@code metav1.OwnerReference}). */
final class OwnerReferences {
    private OwnerReferences() {
    }

    /** The reference a controller puts on what it creates: controller and blockOwnerDeletion both true. */
    static ObjectNode controllerRef(ResourceType ownerType, JsonNode owner) {
        ObjectNode ref = JsonNodeFactory.instance.objectNode();
        ref.put("apiVersion", ownerType.apiVersion());
        ref.put("kind", ownerType.kind());
        ref.put("name", owner.path("metadata").path("name").asString(""));
        ref.put("uid", uid(owner));
        ref.put("controller", true);
        ref.put("blockOwnerDeletion", true);
        return ref;
    }

    /** The reference with {@code controller: true}, if any (an object has at most one controller). */
    static Optional<JsonNode> controllerOf(JsonNode object) {
        for (JsonNode ref : all(object)) {
            if (ref.path("controller").asBoolean(false)) {
                return Optional.of(ref);
            }
        }
        return Optional.empty();
    }

    /** The key of the object's controller when it is of the given kind. */
    static Optional<ObjectKey> controllerKey(JsonNode object, ResourceType ownerType) {
        return controllerOf(object)
                .filter(ref -> ref.path("kind").asString("").equals(ownerType.kind())
                        && ref.path("apiVersion").asString("").equals(ownerType.apiVersion()))
                .map(ref -> new ObjectKey(object.path("metadata").path("namespace").asString(""),
                        ref.path("name").asString("")));
    }

    static boolean isControlledBy(JsonNode object, JsonNode owner) {
        String uid = uid(owner);
        return controllerOf(object).map(ref -> ref.path("uid").asString("").equals(uid)).orElse(false);
    }

    static List<JsonNode> all(JsonNode object) {
        List<JsonNode> refs = new ArrayList<>();
        object.path("metadata").path("ownerReferences").values().forEach(refs::add);
        return refs;
    }

    static void setController(ObjectNode object, ResourceType ownerType, JsonNode owner) {
        ((ObjectNode) object.get("metadata")).putArray("ownerReferences").add(controllerRef(ownerType, owner));
    }

    static String uid(JsonNode object) {
        return object.path("metadata").path("uid").asString("");
    }
}

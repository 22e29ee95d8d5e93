package dev.kproxy.sandbox.patch;

import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Applies a patch of any {@link PatchType} to a copy of an object. */
public final class Patcher {
    private Patcher() {
    }

    /**
     * @param type   the object's resource type: strategic merge needs it to know each list's merge key
     * @param target the current object (not modified)
     * @return the patched copy
     * @throws dev.kproxy.sandbox.store.StoreException INVALID when the patch is malformed or a JSON
     *         Patch {@code test} fails
     */
    public static ObjectNode apply(PatchType patchType, ResourceType type, ObjectNode target, JsonNode patch) {
        if (patch == null) {
            throw PatchErrors.invalid("the patch body is empty");
        }
        JsonNode result = switch (patchType) {
            case JSON -> JsonPatch.apply(target, patch);
            case MERGE -> MergePatch.apply(target, patch);
            case STRATEGIC -> StrategicMergePatch.apply(target, patch, MergeKeys.forType(type));
        };
        if (!(result instanceof ObjectNode object)) {
            throw PatchErrors.invalid("the patched " + type.kind() + " is a " + result.getNodeType() + ", not an object");
        }
        return object;
    }
}

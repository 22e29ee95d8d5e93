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
        throw new UnsupportedOperationException("patch support lands with the admission/patch work");
    }
}

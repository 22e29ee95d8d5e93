package dev.kproxy.intercept;

import java.util.Optional;
import java.util.function.Function;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A JSON patch (RFC 6902) planned from a fresh read, whose first operation tests that the guarded
 * field still holds what was read. If the API server refuses it, a second read tells the cases apart:
 * the field changed (someone else wrote: plan again from the new state) or not (the server rejects
 * the change itself: report its reason).
 */
final class GuardedPatch {
    private static final int ATTEMPTS = 5;

    private GuardedPatch() {
    }

    /**
     * @param plan the operations for the object as read now, or empty when there is nothing to do
     * @return whether a patch was applied
     */
    static boolean apply(ClusterObjects objects, ObjectKind kind, String ns, String name, String guard,
                         Function<ObjectNode, Optional<ArrayNode>> plan) {
        String what = kind.lower() + " " + ns + "/" + name;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            Optional<ObjectNode> current = objects.get(kind, ns, name);
            Optional<ArrayNode> planned = current.flatMap(plan);
            if (planned.isEmpty()) {
                return false;
            }
            JsonNode guarded = current.get().at(guard);
            ArrayNode ops = ClusterObjects.JSON.createArrayNode();
            ops.addObject().put("op", "test").put("path", guard).set("value", guarded);
            ops.addAll(planned.get());
            try {
                objects.jsonPatch(kind, ns, name, ops);
                return true;
            } catch (ClusterObjects.PatchRefused refused) {
                boolean unchanged = objects.get(kind, ns, name).map(o -> o.at(guard).equals(guarded)).orElse(false);
                if (unchanged) {
                    throw new InterceptException("the API server refused kproxy's change to " + what + ": " + refused.getMessage());
                }
            }
        }
        throw new InterceptException(what + " kept changing while kproxy was editing it: try again");
    }
}

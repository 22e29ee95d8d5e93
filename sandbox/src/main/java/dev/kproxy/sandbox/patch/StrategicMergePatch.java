package dev.kproxy.sandbox.patch;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Strategic merge patch as the API server applies it, after
 * {@code staging/src/k8s.io/apimachinery/pkg/util/strategicpatch/patch.go} ({@code mergeMap},
 * {@code mergeSlice}, {@code normalizeElementOrder}) with the server's options: nulls delete, nulls
 * with nothing to delete are dropped, directives never reach the stored object.
 */
final class StrategicMergePatch {
    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StrategicMergePatch() {
    }

    static ObjectNode apply(ObjectNode original, JsonNode patch, PatchSchema schema) {
        if (!patch.isObject()) {
            throw PatchErrors.invalid("a strategic merge patch must be a JSON object, got " + patch.getNodeType());
        }
        return mergeMap(original.deepCopy(), (ObjectNode) patch, schema);
    }

    /** Merges {@code patch} into {@code original}, which it owns and may change. */
    private static ObjectNode mergeMap(ObjectNode original, ObjectNode patch, PatchSchema schema) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null) {
            switch (directive.asString("")) {
                case "replace":
                    return mergeMap(NODES.objectNode(), patch.deepCopy().without(PATCH), schema);
                case "delete":
                    return NODES.objectNode();
                default:
                    throw PatchErrors.invalid("unknown patch type: " + directive + " in map: " + patch);
            }
        }
        JsonNode retainKeys = patch.get(RETAIN_KEYS);
        if (retainKeys != null) {
            retainKeys(original, patch, retainKeys);
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (e.getKey().startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                deleteFromPrimitiveList(original, e.getKey().substring(DELETE_FROM_PRIMITIVE_LIST.length()), e.getValue());
            }
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            if (key.equals(RETAIN_KEYS) || key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                continue;
            }
            JsonNode value = e.getValue();
            if (value.isNull()) {
                original.remove(key);
                continue;
            }
            PatchSchema.Field field = schema.field(key);
            JsonNode current = original.get(key);
            JsonNode order = patch.get(SET_ELEMENT_ORDER + key);
            original.set(key, mergeValue(current, value, field, order));
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            if (key.startsWith(SET_ELEMENT_ORDER)) {
                String list = key.substring(SET_ELEMENT_ORDER.length());
                if (!patch.has(list) && original.get(list) instanceof ArrayNode items) {
                    original.set(list, reorderOnly(items, e.getValue(), schema.field(list)));
                }
            }
        }
        return original;
    }

    private static JsonNode mergeValue(JsonNode current, JsonNode value, PatchSchema.Field field, JsonNode order) {
        if (value.isObject()) {
            ObjectNode base = current != null && current.isObject() ? (ObjectNode) current : NODES.objectNode();
            return mergeMap(base, (ObjectNode) value, field.value());
        }
        if (value.isArray()) {
            ArrayNode base = current != null && current.isArray() ? (ArrayNode) current : NODES.arrayNode();
            return mergeList(base, (ArrayNode) value, field, order);
        }
        return value.deepCopy();
    }

    private static ArrayNode mergeList(ArrayNode original, ArrayNode patch, PatchSchema.Field field, JsonNode order) {
        if (field.mergePrimitives()) {
            ArrayNode union = original.deepCopy();
            for (JsonNode v : patch) {
                if (!contains(union, v)) {
                    union.add(v.deepCopy());
                }
            }
            List<JsonNode> wanted = new ArrayList<>();
            (order != null ? order : patch).forEach(wanted::add);
            return sort(union, wanted, original, field);
        }
        if (!field.mergesByKey()) {
            return patch.deepCopy();
        }
        String mergeKey = field.mergeKey();
        List<ObjectNode> items = new ArrayList<>();
        List<ObjectNode> patchItems = new ArrayList<>();
        boolean replace = false;
        for (JsonNode item : original) {
            if (item instanceof ObjectNode o) {
                items.add(o);
            }
        }
        for (JsonNode item : patch) {
            if (!(item instanceof ObjectNode o)) {
                throw PatchErrors.invalid("list items merged by \"" + mergeKey + "\" must be objects, got " + item);
            }
            String directive = o.path(PATCH).asString("");
            switch (directive) {
                case "":
                    patchItems.add(o);
                    break;
                case "delete":
                    JsonNode key = requireMergeKey(o, mergeKey);
                    items.removeIf(existing -> key.equals(existing.get(mergeKey)));
                    break;
                case "replace":
                    replace = true;
                    break;
                default:
                    throw PatchErrors.invalid("unknown patch type: " + o.get(PATCH) + " in list item: " + o);
            }
        }
        if (replace) {
            items.clear();
        }
        List<JsonNode> serverOrder = new ArrayList<>(items);
        for (ObjectNode p : patchItems) {
            JsonNode key = requireMergeKey(p, mergeKey);
            int at = indexOf(items, key, mergeKey);
            if (at >= 0) {
                items.set(at, mergeMap(items.get(at), p, field.value()));
            } else {
                items.add(mergeMap(NODES.objectNode(), p, field.value()));
            }
        }
        ArrayNode merged = NODES.arrayNode();
        items.forEach(merged::add);
        List<JsonNode> wanted = order != null ? patchOrder(order) : new ArrayList<>(patchItems);
        return sort(merged, wanted, serverOrder, field);
    }

    /** {@code $setElementOrder} without a patch list for that field: keep the items, change their order. */
    private static ArrayNode reorderOnly(ArrayNode items, JsonNode order, PatchSchema.Field field) {
        List<JsonNode> server = new ArrayList<>();
        items.forEach(server::add);
        return sort(items.deepCopy(), patchOrder(order), server, field);
    }

    private static List<JsonNode> patchOrder(JsonNode order) {
        if (!order.isArray()) {
            throw PatchErrors.invalid("$setElementOrder must be a list, got " + order);
        }
        List<JsonNode> out = new ArrayList<>();
        order.forEach(out::add);
        return out;
    }

    /**
     * normalizeElementOrder: items named by the patch (or {@code $setElementOrder}) in that order,
     * server-only items in their server order, interleaved by mergeSortedSlice so each server-only
     * item keeps its place relative to the patched items it was next to.
     */
    private static ArrayNode sort(ArrayNode merged, List<JsonNode> patchOrder, Iterable<JsonNode> serverItems,
            PatchSchema.Field field) {
        List<JsonNode> server = new ArrayList<>();
        serverItems.forEach(server::add);
        List<JsonNode> inPatch = new ArrayList<>();
        List<JsonNode> serverOnly = new ArrayList<>();
        for (JsonNode item : merged) {
            (position(patchOrder, item, field) >= 0 ? inPatch : serverOnly).add(item);
        }
        inPatch.sort((a, b) -> Integer.compare(position(patchOrder, a, field), position(patchOrder, b, field)));
        serverOnly.sort((a, b) -> Integer.compare(position(server, a, field), position(server, b, field)));
        ArrayNode out = NODES.arrayNode();
        int i = 0;
        int j = 0;
        while (i < serverOnly.size() || j < inPatch.size()) {
            if (j >= inPatch.size()) {
                out.add(serverOnly.get(i++));
            } else if (i >= serverOnly.size()) {
                out.add(inPatch.get(j++));
            } else {
                int left = position(server, serverOnly.get(i), field);
                int right = position(server, inPatch.get(j), field);
                if (left >= 0 && right >= 0 && left < right) {
                    out.add(serverOnly.get(i++));
                } else {
                    out.add(inPatch.get(j++));
                }
            }
        }
        return out;
    }

    /** Where an item sits in a list, compared by merge key (or by value for scalars); -1 if absent. */
    private static int position(List<JsonNode> list, JsonNode item, PatchSchema.Field field) {
        JsonNode id = identity(item, field);
        for (int i = 0; i < list.size(); i++) {
            if (id != null && id.equals(identity(list.get(i), field))) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode identity(JsonNode item, PatchSchema.Field field) {
        return field.mergesByKey() ? item.get(field.mergeKey()) : item;
    }

    private static int indexOf(List<ObjectNode> items, JsonNode key, String mergeKey) {
        for (int i = 0; i < items.size(); i++) {
            if (key.equals(items.get(i).get(mergeKey))) {
                return i;
            }
        }
        return -1;
    }

    private static JsonNode requireMergeKey(ObjectNode item, String mergeKey) {
        JsonNode key = item.get(mergeKey);
        if (key == null || key.isNull()) {
            throw PatchErrors.invalid("map: " + item + " does not contain declared merge key: " + mergeKey);
        }
        return key;
    }

    private static boolean contains(ArrayNode list, JsonNode value) {
        for (JsonNode v : list) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    /** {@code $retainKeys}: fields of the original not in the list are cleared; the patch may only set listed ones. */
    private static void retainKeys(ObjectNode original, ObjectNode patch, JsonNode retainKeys) {
        if (!retainKeys.isArray()) {
            throw PatchErrors.invalid("$retainKeys must be a list of field names, got " + retainKeys);
        }
        Set<String> keep = new HashSet<>();
        retainKeys.forEach(k -> keep.add(k.asString("")));
        for (String key : patch.propertyNames()) {
            if (!key.startsWith("$") && !keep.contains(key)) {
                throw PatchErrors.invalid("field \"" + key + "\" is set by the patch but missing from $retainKeys " + retainKeys);
            }
        }
        original.retain(keep);
    }

    private static void deleteFromPrimitiveList(ObjectNode original, String field, JsonNode values) {
        if (!values.isArray()) {
            throw PatchErrors.invalid(DELETE_FROM_PRIMITIVE_LIST + field + " must be a list, got " + values);
        }
        if (original.get(field) instanceof ArrayNode list) {
            Set<JsonNode> drop = new HashSet<>();
            values.forEach(drop::add);
            list.removeIf(drop::contains);
        }
    }
}

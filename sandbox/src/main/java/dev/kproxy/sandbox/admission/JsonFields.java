package dev.kproxy.sandbox.admission;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Field access on decoded objects that tolerates any shape: defaulting runs before validation (as
 * in the API server), so it must skip, not crash on, a field of the wrong type.
 */
final class JsonFields {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonFields() {
    }

    /** The object at {@code field}, created when absent or null; null when the field holds something else. */
    static ObjectNode object(ObjectNode parent, String field) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) {
            return parent.putObject(field);
        }
        return v instanceof ObjectNode o ? o : null;
    }

    /** The object at {@code field}, or null when absent or not an object. */
    static ObjectNode existingObject(JsonNode parent, String field) {
        return parent != null && parent.get(field) instanceof ObjectNode o ? o : null;
    }

    /** The object items of the list at {@code field}, in order; empty when there is no such list. */
    static List<ObjectNode> items(JsonNode parent, String field) {
        List<ObjectNode> out = new ArrayList<>();
        if (parent != null && parent.get(field) instanceof ArrayNode list) {
            for (JsonNode item : list) {
                if (item instanceof ObjectNode o) {
                    out.add(o);
                }
            }
        }
        return out;
    }

    static boolean absent(JsonNode parent, String field) {
        JsonNode v = parent.get(field);
        return v == null || v.isNull() || (v.isString() && v.asString().isEmpty());
    }

    static void defaultString(ObjectNode parent, String field, String value) {
        if (absent(parent, field)) {
            parent.put(field, value);
        }
    }

    static void defaultInt(ObjectNode parent, String field, int value) {
        if (absent(parent, field)) {
            parent.put(field, value);
        }
    }

    static void defaultBoolean(ObjectNode parent, String field, boolean value) {
        if (absent(parent, field)) {
            parent.put(field, value);
        }
    }

    static String string(JsonNode parent, String field) {
        JsonNode v = parent == null ? null : parent.get(field);
        return v != null && v.isString() ? v.asString() : "";
    }

    /** A string-to-string map such as labels; null when the field is absent or not an object. */
    static Map<String, String> stringMap(JsonNode parent, String field) {
        ObjectNode o = existingObject(parent, field);
        if (o == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            out.put(e.getKey(), e.getValue().asString(""));
        }
        return out;
    }
}

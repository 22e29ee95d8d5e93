package dev.kproxy.sandbox.patch;

import java.util.Comparator;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * JSON Patch, RFC 6902: a list of operations applied in order to a copy of the document. Any
 * failing operation fails the whole patch (section 5), so the caller's target is never half-patched.
 */
final class JsonPatch {

    /** RFC 6902 section 4.6: numbers are equal when their values are, whatever their JSON spelling. */
    private static final Comparator<JsonNode> JSON_EQUALITY = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private JsonPatch() {
    }

    static JsonNode apply(JsonNode document, JsonNode patch) {
        if (!patch.isArray()) {
            throw PatchErrors.invalid("a JSON patch must be an array of operations, got " + patch.getNodeType());
        }
        JsonNode doc = document.deepCopy();
        int i = 0;
        for (JsonNode op : patch) {
            doc = applyOne(doc, op, i++);
        }
        return doc;
    }

    private static JsonNode applyOne(JsonNode doc, JsonNode op, int index) {
        if (!op.isObject()) {
            throw PatchErrors.invalid("JSON patch operation " + index + " is not an object");
        }
        String name = required(op, "op", index);
        JsonPointer path = JsonPointer.parse(required(op, "path", index));
        switch (name) {
            case "add":
                return add(doc, path, value(op, index));
            case "remove":
                return remove(doc, path, name);
            case "replace":
                get(doc, path, name);
                if (path.isRoot()) {
                    return value(op, index);
                }
                return add(remove(doc, path, name), path, value(op, index));
            case "move": {
                JsonPointer from = JsonPointer.parse(required(op, "from", index));
                if (path.isProperChildOf(from)) {
                    throw PatchErrors.invalid("move operation: \"from\" " + from + " may not be a parent of \"path\" " + path);
                }
                JsonNode moved = get(doc, from, name);
                return add(remove(doc, from, name), path, moved);
            }
            case "copy": {
                JsonPointer from = JsonPointer.parse(required(op, "from", index));
                return add(doc, path, get(doc, from, name).deepCopy());
            }
            case "test": {
                JsonNode actual = get(doc, path, name);
                JsonNode expected = value(op, index);
                if (!actual.equals(JSON_EQUALITY, expected)) {
                    throw PatchErrors.invalid("test operation failed: value at " + describe(path) + " is " + actual
                            + ", not " + expected);
                }
                return doc;
            }
            default:
                throw PatchErrors.invalid("JSON patch operation " + index + " has unsupported op \"" + name
                        + "\"; use add, remove, replace, move, copy or test");
        }
    }

    private static String required(JsonNode op, String field, int index) {
        JsonNode v = op.get(field);
        if (v == null || !v.isString()) {
            throw PatchErrors.invalid("JSON patch operation " + index + " is missing the string field \"" + field + "\"");
        }
        return v.asString();
    }

    private static JsonNode value(JsonNode op, int index) {
        JsonNode v = op.get("value");
        if (v == null) {
            throw PatchErrors.invalid("JSON patch operation " + index + " (" + op.path("op").asString("")
                    + ") is missing \"value\"");
        }
        return v.deepCopy();
    }

    private static JsonNode get(JsonNode doc, JsonPointer path, String op) {
        JsonNode node = doc;
        for (String token : path.tokens()) {
            node = child(node, token);
            if (node == null) {
                throw PatchErrors.invalid(op + " operation does not apply: path " + describe(path) + " does not exist");
            }
        }
        return node;
    }

    private static JsonNode child(JsonNode node, String token) {
        if (node.isObject()) {
            return node.get(token);
        }
        if (node.isArray() && JsonPointer.isArrayIndex(token)) {
            long i = Long.parseLong(token);
            return i < node.size() ? node.get((int) i) : null;
        }
        return null;
    }

    private static JsonNode add(JsonNode doc, JsonPointer path, JsonNode value) {
        if (path.isRoot()) {
            return value;
        }
        JsonNode parent = get(doc, path.parent(), "add");
        String token = path.last();
        if (parent instanceof ObjectNode object) {
            object.set(token, value);
        } else if (parent instanceof ArrayNode array) {
            if (token.equals("-")) {
                array.add(value);
            } else if (JsonPointer.isArrayIndex(token) && Long.parseLong(token) <= array.size()) {
                array.insert(Integer.parseInt(token), value);
            } else {
                throw PatchErrors.invalid("add operation does not apply: index " + token + " at " + describe(path)
                        + " is out of bounds for an array of " + array.size());
            }
        } else {
            throw PatchErrors.invalid("add operation does not apply: " + describe(path.parent()) + " is a "
                    + parent.getNodeType() + ", not an object or array");
        }
        return doc;
    }

    private static JsonNode remove(JsonNode doc, JsonPointer path, String op) {
        get(doc, path, op);
        if (path.isRoot()) {
            throw PatchErrors.invalid(op + " operation may not remove the whole document");
        }
        JsonNode parent = get(doc, path.parent(), op);
        if (parent instanceof ObjectNode object) {
            object.remove(path.last());
        } else {
            ((ArrayNode) parent).remove(Integer.parseInt(path.last()));
        }
        return doc;
    }

    private static String describe(JsonPointer path) {
        return path.isRoot() ? "the document root" : "\"" + path + "\"";
    }
}

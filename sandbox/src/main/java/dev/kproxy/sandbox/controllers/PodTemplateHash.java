package dev.kproxy.sandbox.controllers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * The {@code pod-template-hash} / {@code controller-revision-hash} value of a pod template, after
 * {@code pkg/controller/controller_utils.go ComputeHash}: FNV-32a over a canonical rendering of the
 * template (object keys sorted, so it does not depend on field order), plus the collision count
 * when there is one, written as a decimal and encoded with {@code rand.SafeEncodeString} so the
 * value has no vowels and cannot spell words.
 */
final class PodTemplateHash {
    private static final String SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private PodTemplateHash() {
    }

    static String of(JsonNode template, long collisionCount) {
        StringBuilder canonical = new StringBuilder();
        render(template, canonical);
        if (collisionCount > 0) {
            canonical.append('#').append(collisionCount);
        }
        int hash = FNV_OFFSET;
        for (byte b : canonical.toString().getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= FNV_PRIME;
        }
        String decimal = Long.toString(Integer.toUnsignedLong(hash));
        StringBuilder safe = new StringBuilder(decimal.length());
        for (char c : decimal.toCharArray()) {
            safe.append(SAFE_ALPHABET.charAt(c % SAFE_ALPHABET.length()));
        }
        return safe.toString();
    }

    private static void render(JsonNode node, StringBuilder out) {
        if (node.isObject()) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
            fields.sort(Map.Entry.comparingByKey());
            out.append('{');
            for (Map.Entry<String, JsonNode> f : fields) {
                out.append('"').append(f.getKey()).append("\":");
                render(f.getValue(), out);
                out.append(',');
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (JsonNode v : node.values()) {
                render(v, out);
                out.append(',');
            }
            out.append(']');
        } else {
            out.append(node.toString());
        }
    }
}

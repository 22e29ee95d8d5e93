package dev.kproxy.sandbox.controllers;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;

/**
 * Label selectors as apimachinery evaluates them ({@code metav1.LabelSelectorAsSelector}): a
 * missing selector matches nothing, an empty one matches everything, and matchLabels and every
 * matchExpressions requirement (In, NotIn, Exists, DoesNotExist) must all hold.
 */
final class LabelSelectorMatcher {
    private LabelSelectorMatcher() {
    }

    /** Whether a {@code metav1.LabelSelector} (as in a ReplicaSet's {@code spec.selector}) selects the labels. */
    static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isMissingNode() || selector.isNull()) {
            return false;
        }
        if (!matchesMap(selector.path("matchLabels"), labels)) {
            return false;
        }
        for (JsonNode requirement : selector.path("matchExpressions").values()) {
            if (!satisfies(requirement, labels)) {
                return false;
            }
        }
        return true;
    }

    /** Whether every key/value of a plain map selector (as in a Service's {@code spec.selector}) is among the labels. */
    static boolean matchesMap(JsonNode selector, JsonNode labels) {
        for (Map.Entry<String, JsonNode> e : selector.properties()) {
            JsonNode value = labels.get(e.getKey());
            if (value == null || !value.asString("").equals(e.getValue().asString(""))) {
                return false;
            }
        }
        return true;
    }

    private static boolean satisfies(JsonNode requirement, JsonNode labels) {
        String key = requirement.path("key").asString("");
        JsonNode value = labels.get(key);
        Set<String> values = new HashSet<>();
        requirement.path("values").values().forEach(v -> values.add(v.asString("")));
        return switch (requirement.path("operator").asString("")) {
            case "In" -> value != null && values.contains(value.asString(""));
            case "NotIn" -> value == null || !values.contains(value.asString(""));
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> false;
        };
    }
}

package dev.kproxy.sandbox.admission;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.JsonNode;

/** A metav1.LabelSelector ({@code matchLabels} and {@code matchExpressions}) evaluated against a label set. */
final class LabelSelector {
    private LabelSelector() {
    }

    /** True for a selector with no requirements, which selects everything and which apps/v1 rejects. */
    static boolean isEmpty(JsonNode selector) {
        return selector.path("matchLabels").isEmpty() && selector.path("matchExpressions").isEmpty();
    }

    static boolean matches(JsonNode selector, Map<String, String> labels) {
        Map<String, String> have = labels == null ? Map.of() : labels;
        for (Map.Entry<String, JsonNode> e : selector.path("matchLabels").properties()) {
            if (!e.getValue().asString("").equals(have.get(e.getKey()))) {
                return false;
            }
        }
        for (JsonNode requirement : selector.path("matchExpressions")) {
            if (!requirementMatches(requirement, have)) {
                return false;
            }
        }
        return true;
    }

    private static boolean requirementMatches(JsonNode requirement, Map<String, String> labels) {
        String key = requirement.path("key").asString("");
        Set<String> values = new HashSet<>();
        requirement.path("values").forEach(v -> values.add(v.asString("")));
        switch (requirement.path("operator").asString("")) {
            case "In":
                return labels.containsKey(key) && values.contains(labels.get(key));
            case "NotIn":
                return !labels.containsKey(key) || !values.contains(labels.get(key));
            case "Exists":
                return labels.containsKey(key);
            case "DoesNotExist":
                return !labels.containsKey(key);
            default:
                return false;
        }
    }
}

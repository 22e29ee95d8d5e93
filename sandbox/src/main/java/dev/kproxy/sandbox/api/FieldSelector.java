package dev.kproxy.sandbox.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

/**
 * A {@code fieldSelector}: comma-separated {@code path=value}, {@code path==value} or
 * {@code path!=value} on dotted JSON paths ({@code metadata.name}, {@code status.phase},
 * {@code spec.nodeName}). The real server allows a fixed field set per kind; the sandbox allows any
 * path, and a missing field compares as the empty string, as upstream's field sets do.
 */
final class FieldSelector implements Predicate<JsonNode> {
    private record Requirement(String[] path, String value, boolean equal) {
        boolean test(JsonNode object) {
            JsonNode n = object;
            for (String p : path) {
                n = n.path(p);
            }
            String actual = n.isValueNode() ? n.asString("") : "";
            return actual.equals(value) == equal;
        }
    }

    private final List<Requirement> requirements;

    private FieldSelector(List<Requirement> requirements) {
        this.requirements = requirements;
    }

    /** @throws ApiException 400 for a requirement without an operator */
    static FieldSelector parse(String selector) {
        List<Requirement> reqs = new ArrayList<>();
        if (selector != null) {
            for (String part : selector.split(",")) {
                String r = part.trim();
                if (r.isEmpty()) {
                    continue;
                }
                int ne = r.indexOf("!=");
                int eq = r.indexOf('=');
                if (ne > 0) {
                    reqs.add(new Requirement(r.substring(0, ne).trim().split("\\."), r.substring(ne + 2).trim(), false));
                } else if (eq > 0) {
                    String value = r.substring(r.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
                    reqs.add(new Requirement(r.substring(0, eq).trim().split("\\."), value, true));
                } else {
                    throw ApiException.badRequest("invalid field selector: \"" + selector
                            + "\": each requirement needs =, == or !=");
                }
            }
        }
        return new FieldSelector(reqs);
    }

    /** Whether any requirement is on something other than metadata.name or metadata.namespace. */
    boolean selectsMutableFields() {
        return requirements.stream().map(r -> String.join(".", r.path()))
                .anyMatch(p -> !p.equals("metadata.name") && !p.equals("metadata.namespace"));
    }

    @Override
    public boolean test(JsonNode object) {
        return requirements.stream().allMatch(r -> r.test(object));
    }
}

package dev.kproxy.sandbox.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What a non-admin sandbox user may do: a union of allow rules, each verbs x resources x
 * namespaces, like a few RBAC RoleBindings. {@code "*"} matches anything in its position.
 * Resources are plural names, with {@code /subresource} for subresources ({@code pods/portforward}),
 * as in RBAC; a rule for {@code pods} does not grant {@code pods/log}. Groups are not part of a rule
 * because every sandbox plural is unique across groups.
 */
public final class AccessRules {
    private record Rule(Set<String> verbs, Set<String> resources, Set<String> namespaces) {
        boolean allows(String verb, String resource, String namespace) {
            return matches(verbs, verb) && matches(resources, resource) && matches(namespaces, namespace);
        }

        private static boolean matches(Set<String> allowed, String value) {
            return allowed.contains("*") || allowed.contains(value);
        }
    }

    private final List<Rule> rules;

    private AccessRules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No rule at all: every request is forbidden. */
    public static AccessRules none() {
        return new AccessRules(List.of());
    }

    /** Returns a copy with one more allow rule. An empty namespace in {@code namespaces} means cluster scope. */
    public AccessRules allow(Set<String> verbs, Set<String> resources, Set<String> namespaces) {
        List<Rule> more = new ArrayList<>(rules);
        more.add(new Rule(Set.copyOf(verbs), Set.copyOf(resources), Set.copyOf(namespaces)));
        return new AccessRules(more);
    }

    /**
     * @param resource  plural or plural/subresource
     * @param namespace empty for cluster-scoped requests and all-namespace lists
     */
    public boolean allows(String verb, String resource, String namespace) {
        String ns = namespace == null ? "" : namespace;
        return rules.stream().anyMatch(r -> r.allows(verb, resource, ns));
    }
}

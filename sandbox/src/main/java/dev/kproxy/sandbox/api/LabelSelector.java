package dev.kproxy.sandbox.api;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A label selector in the string form of the {@code labelSelector} query parameter
 * (k8s.io/apimachinery/pkg/labels/selector.go): {@code a=b}, {@code a==b}, {@code a!=b},
 * {@code a in (x,y)}, {@code a notin (x)}, {@code a}, {@code !a}, comma-separated, all must hold.
 * As upstream, {@code !=} and {@code notin} also match objects without the label.
 */
final class LabelSelector implements Predicate<Map<String, String>> {
    private final List<Predicate<Map<String, String>>> requirements;

    private LabelSelector(List<Predicate<Map<String, String>>> requirements) {
        this.requirements = requirements;
    }

    /** @throws ApiException 400 for a malformed selector */
    static LabelSelector parse(String selector) {
        List<Predicate<Map<String, String>>> reqs = new ArrayList<>();
        if (selector != null) {
            for (String part : splitTopLevel(selector)) {
                if (!part.isBlank()) {
                    reqs.add(requirement(part.trim(), selector));
                }
            }
        }
        return new LabelSelector(reqs);
    }

    boolean isEmpty() {
        return requirements.isEmpty();
    }

    @Override
    public boolean test(Map<String, String> labels) {
        return requirements.stream().allMatch(r -> r.test(labels));
    }

    private static Predicate<Map<String, String>> requirement(String r, String whole) {
        if (r.startsWith("!")) {
            String key = key(r.substring(1).trim(), whole);
            return labels -> !labels.containsKey(key);
        }
        String[] words = r.split("\\s+", 2);
        if (words.length == 2) {
            String rest = words[1].trim();
            boolean in = rest.startsWith("in") && rest.substring(2).trim().startsWith("(");
            boolean notIn = rest.startsWith("notin") && rest.substring(5).trim().startsWith("(");
            if (in || notIn) {
                String key = key(words[0], whole);
                String list = rest.substring(rest.indexOf('(') + 1);
                if (!list.endsWith(")")) {
                    throw invalid(whole);
                }
                // A HashSet: the immutable sets throw on contains(null), and a missing label is null.
                Set<String> values = new HashSet<>(List.of(list.substring(0, list.length() - 1).trim().split("\\s*,\\s*")));
                return in ? labels -> values.contains(labels.get(key))
                        : labels -> !values.contains(labels.get(key));
            }
        }
        int ne = r.indexOf("!=");
        if (ne > 0) {
            String key = key(r.substring(0, ne).trim(), whole);
            String value = r.substring(ne + 2).trim();
            return labels -> !value.equals(labels.get(key));
        }
        int eq = r.indexOf('=');
        if (eq > 0) {
            String key = key(r.substring(0, eq).trim(), whole);
            String value = r.substring(r.startsWith("==", eq) ? eq + 2 : eq + 1).trim();
            return labels -> value.equals(labels.get(key));
        }
        String key = key(r, whole);
        return labels -> labels.containsKey(key);
    }

    private static String key(String key, String whole) {
        if (key.isEmpty() || !key.matches("[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?")) {
            throw invalid(whole);
        }
        return key;
    }

    /** Commas separate requirements except inside the parentheses of in/notin. */
    static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static ApiException invalid(String selector) {
        return ApiException.badRequest("unable to parse requirement: invalid label selector \"" + selector + "\"");
    }
}

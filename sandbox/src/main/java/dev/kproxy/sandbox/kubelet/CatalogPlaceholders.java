package dev.kproxy.sandbox.kubelet;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${POD_IP}}, {@code ${POD_NAME}}, {@code ${POD_NAMESPACE}}, {@code ${POD_DIR}},
 * {@code ${JAVA}}, {@code ${CATALOG_DIR}} and {@code ${env:NAME}} (the sandbox's own environment)
 * in catalogue values. An unknown placeholder is a user error, reported rather than passed on.
 */
final class CatalogPlaceholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");

    private final Map<String, String> values;

    CatalogPlaceholders(Map<String, String> values) {
        this.values = Map.copyOf(values);
    }

    String expand(String pattern, String value) throws ContainerWaitingException {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement;
            if (name.startsWith("env:")) {
                String v = System.getenv(name.substring(4));
                replacement = v == null ? "" : v;
            } else if (values.containsKey(name)) {
                replacement = values.get(name);
            } else {
                throw new ContainerWaitingException("RunContainerError", "catalogue entry \"" + pattern
                        + "\" uses unknown placeholder ${" + name + "}; known: " + new TreeSet<>(values.keySet()) + " and ${env:NAME}");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}

package dev.kproxy.sandbox.admission;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Renders a rejected value as field.Error does ({@code %q} for strings, {@code %d} for integers,
 * {@code %#v} for Go maps and slices), so messages match a real API server's word for word.
 */
final class GoValue {
    private GoValue() {
    }

    static String of(Object value) {
        if (value instanceof String s) {
            return quote(s);
        }
        return String.valueOf(value);
    }

    static String stringMap(Map<String, String> map) {
        if (map == null) {
            return "map[string]string(nil)";
        }
        return map.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> quote(e.getKey()) + ":" + quote(e.getValue()))
                .collect(Collectors.joining(", ", "map[string]string{", "}"));
    }

    static String stringSlice(List<String> values) {
        return values.stream().map(GoValue::quote).collect(Collectors.joining(", ", "[]string{", "}"));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

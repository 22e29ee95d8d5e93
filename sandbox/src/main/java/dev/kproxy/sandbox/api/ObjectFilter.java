package dev.kproxy.sandbox.api;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import tools.jackson.databind.JsonNode;

/** The label and field selectors of one list or watch request, applied together. */
final class ObjectFilter implements Predicate<JsonNode> {
    private final LabelSelector labels;
    private final FieldSelector fields;

    private ObjectFilter(LabelSelector labels, FieldSelector fields) {
        this.labels = labels;
        this.fields = fields;
    }

    static ObjectFilter from(Map<String, List<String>> query) {
        return new ObjectFilter(LabelSelector.parse(first(query, "labelSelector")),
                FieldSelector.parse(first(query, "fieldSelector")));
    }

    /** False when only immutable fields are selected on, so no update can move an object in or out. */
    boolean membershipCanChange() {
        return !labels.isEmpty() || fields.selectsMutableFields();
    }

    @Override
    public boolean test(JsonNode object) {
        Map<String, String> l = new HashMap<>();
        object.path("metadata").path("labels").properties().forEach(e -> l.put(e.getKey(), e.getValue().asString("")));
        return labels.test(l) && fields.test(object);
    }

    static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}

package dev.kproxy.sandbox.patch;

import java.util.HashMap;
import java.util.Map;

/**
 * The part of a Kubernetes type strategic merge needs: for each field, how a list value merges and
 * the schema of the field's value. Fields not listed are atomic (replaced whole), which is what
 * the API server does for lists without a {@code patchStrategy:"merge"} tag.
 */
final class PatchSchema {
    static final PatchSchema NONE = new PatchSchema(Map.of());

    /**
     * @param mergeKey        the {@code patchMergeKey} of a list of objects; null when there is none
     * @param mergePrimitives a list of scalars tagged {@code patchStrategy:"merge"} (a set union)
     * @param value           the schema of the field's value, or of each list item
     */
    record Field(String mergeKey, boolean mergePrimitives, PatchSchema value) {
        static final Field ATOMIC = new Field(null, false, NONE);

        boolean mergesByKey() {
            return mergeKey != null;
        }
    }

    private final Map<String, Field> fields;

    private PatchSchema(Map<String, Field> fields) {
        this.fields = Map.copyOf(fields);
    }

    Field field(String name) {
        return fields.getOrDefault(name, Field.ATOMIC);
    }

    static Builder builder() {
        return new Builder();
    }

    static final class Builder {
        private final Map<String, Field> fields = new HashMap<>();

        /** A nested object whose own fields have merge rules. */
        Builder object(String name, PatchSchema value) {
            fields.put(name, new Field(null, false, value));
            return this;
        }

        /** A list of objects merged by {@code mergeKey}. */
        Builder list(String name, String mergeKey, PatchSchema item) {
            fields.put(name, new Field(mergeKey, false, item));
            return this;
        }

        Builder list(String name, String mergeKey) {
            return list(name, mergeKey, NONE);
        }

        /** A list of scalars merged as a set. */
        Builder set(String name) {
            fields.put(name, new Field(null, true, NONE));
            return this;
        }

        PatchSchema build() {
            return new PatchSchema(fields);
        }
    }
}

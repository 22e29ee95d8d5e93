package dev.kproxy.sandbox.admission;

import java.util.ArrayList;
import java.util.List;

import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;

/**
 * Field errors collected while validating one object, rendered as
 * {@code staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go} does and aggregated
 * into the message of {@code apierrors.NewInvalid}: {@code Kind.group "name" is invalid: [e1, e2]}.
 */
final class FieldErrors {
    private final List<String> errors = new ArrayList<>();

    void required(String path) {
        errors.add(path + ": Required value");
    }

    void required(String path, String detail) {
        errors.add(path + ": Required value: " + detail);
    }

    void invalid(String path, Object value, String detail) {
        errors.add(path + ": Invalid value: " + GoValue.of(value) + ": " + detail);
    }

    /** An Invalid value already rendered, for values Go prints in its own syntax (maps, slices). */
    void invalidRendered(String path, String renderedValue, String detail) {
        errors.add(path + ": Invalid value: " + renderedValue + ": " + detail);
    }

    void duplicate(String path, Object value) {
        errors.add(path + ": Duplicate value: " + GoValue.of(value));
    }

    void forbidden(String path, String detail) {
        errors.add(path + ": Forbidden: " + detail);
    }

    void unsupported(String path, String value, List<String> supported) {
        StringBuilder sb = new StringBuilder(path).append(": Unsupported value: ").append(GoValue.of(value))
                .append(": supported values: ");
        for (int i = 0; i < supported.size(); i++) {
            sb.append(i > 0 ? ", " : "").append(GoValue.of(supported.get(i)));
        }
        errors.add(sb.toString());
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** Throws the API server's 422 for everything collected, if anything was. */
    void throwIfAny(ResourceType type, String name) {
        if (errors.isEmpty()) {
            return;
        }
        String kind = type.group().isEmpty() ? type.kind() : type.kind() + "." + type.group();
        String body = errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]";
        throw new StoreException(StoreException.Reason.INVALID, kind + " \"" + name + "\" is invalid: " + body);
    }
}

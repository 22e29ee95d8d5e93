package dev.kproxy.sandbox.admission;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** ValidateObjectMeta: a name (or generateName) of the form the kind requires, and a namespace where one is needed. */
final class MetadataValidator {
    private MetadataValidator() {
    }

    /** The name to put in an error message: the name, else the generateName prefix, as the API server does. */
    static String name(ObjectNode object) {
        JsonNode meta = object.path("metadata");
        String name = meta.path("name").asString("");
        return name.isEmpty() ? meta.path("generateName").asString("") : name;
    }

    static void validate(ResourceType type, ObjectNode object, FieldErrors errors) {
        JsonNode meta = object.get("metadata");
        if (!(meta instanceof ObjectNode)) {
            errors.required("metadata.name", "name or generateName is required");
            return;
        }
        NameValidator rule = rule(type);
        String name = meta.path("name").asString("");
        String generateName = meta.path("generateName").asString("");
        if (!name.isEmpty()) {
            rule.validate("metadata.name", name, errors);
        } else if (!generateName.isEmpty()) {
            rule.validatePrefix("metadata.generateName", generateName, errors);
        } else {
            errors.required("metadata.name", "name or generateName is required");
        }
        String namespace = meta.path("namespace").asString("");
        if (type.namespaced()) {
            if (namespace.isEmpty()) {
                errors.required("metadata.namespace");
            } else {
                NameValidator.LABEL.validate("metadata.namespace", namespace, errors);
            }
        }
    }

    /** Service names become DNS labels and env var prefixes, hence DNS-1035 (ValidateServiceName). */
    private static NameValidator rule(ResourceType type) {
        if (type.equals(ResourceCatalog.SERVICE)) {
            return NameValidator.DNS1035_LABEL;
        }
        if (type.equals(ResourceCatalog.NAMESPACE)) {
            return NameValidator.LABEL;
        }
        return NameValidator.SUBDOMAIN;
    }
}

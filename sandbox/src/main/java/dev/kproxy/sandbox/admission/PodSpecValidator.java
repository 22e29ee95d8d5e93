package dev.kproxy.sandbox.admission;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The parts of ValidatePodSpec ({@code pkg/apis/core/validation/validation.go}) the sandbox relies on. */
final class PodSpecValidator {
    static final List<String> PROTOCOLS = List.of("SCTP", "TCP", "UDP");
    private static final List<String> RESTART_POLICIES = List.of("Always", "Never", "OnFailure");

    private PodSpecValidator() {
    }

    /**
     * @param path               where the spec sits, e.g. {@code spec} or {@code spec.template.spec}
     * @param restartPolicies    what restartPolicy may be: controllers' templates only allow Always
     */
    static void validate(JsonNode specNode, String path, List<String> restartPolicies, FieldErrors errors) {
        if (!(specNode instanceof ObjectNode spec)) {
            errors.required(path);
            return;
        }
        Set<String> names = new HashSet<>();
        JsonNode containers = spec.get("containers");
        if (containers == null || !containers.isArray() || containers.isEmpty()) {
            errors.required(path + ".containers");
        } else {
            containers(spec, "containers", path, names, errors);
        }
        containers(spec, "initContainers", path, names, errors);
        String restart = JsonFields.string(spec, "restartPolicy");
        if (!restartPolicies.contains(restart)) {
            errors.unsupported(path + ".restartPolicy", restart, restartPolicies);
        }
    }

    static void validate(JsonNode spec, String path, FieldErrors errors) {
        validate(spec, path, RESTART_POLICIES, errors);
    }

    private static void containers(ObjectNode spec, String field, String path, Set<String> names, FieldErrors errors) {
        JsonNode list = spec.get(field);
        if (list == null || !list.isArray()) {
            return;
        }
        for (int i = 0; i < list.size(); i++) {
            String at = path + "." + field + "[" + i + "]";
            JsonNode c = list.get(i);
            String name = JsonFields.string(c, "name");
            if (name.isEmpty()) {
                errors.required(at + ".name");
            } else if (!names.add(name)) {
                errors.duplicate(at + ".name", name);
            } else {
                NameValidator.LABEL.validate(at + ".name", name, errors);
            }
            if (JsonFields.string(c, "image").isBlank()) {
                errors.required(at + ".image");
            }
            ports(c, at, errors);
        }
    }

    private static void ports(JsonNode container, String path, FieldErrors errors) {
        List<ObjectNode> ports = JsonFields.items(container, "ports");
        for (int i = 0; i < ports.size(); i++) {
            String at = path + ".ports[" + i + "]";
            ObjectNode port = ports.get(i);
            JsonNode number = port.get("containerPort");
            if (number == null || !number.isIntegralNumber()) {
                errors.required(at + ".containerPort");
            } else if (number.asLong() < 1 || number.asLong() > 65535) {
                errors.invalid(at + ".containerPort", number.asLong(), "must be between 1 and 65535, inclusive");
            }
            String protocol = JsonFields.string(port, "protocol");
            if (!PROTOCOLS.contains(protocol)) {
                errors.unsupported(at + ".protocol", protocol, PROTOCOLS);
            }
        }
    }
}

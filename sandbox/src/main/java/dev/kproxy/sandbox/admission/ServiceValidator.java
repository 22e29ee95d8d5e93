package dev.kproxy.sandbox.admission;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The parts of ValidateService / ValidateServiceUpdate ({@code pkg/apis/core/validation/validation.go}) the sandbox enforces. */
final class ServiceValidator {
    static final List<String> TYPES = List.of("ClusterIP", "ExternalName", "LoadBalancer", "NodePort");
    private static final List<String> AFFINITIES = List.of("ClientIP", "None");
    private static final List<String> FAMILY_POLICIES = List.of("PreferDualStack", "RequireDualStack", "SingleStack");
    /** IsValidPortName: an IANA_SVC_NAME, at most 15 characters with at least one letter. */
    private static final Pattern PORT_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])");

    private ServiceValidator() {
    }

    static void validate(ObjectNode service, FieldErrors errors) {
        JsonNode spec = service.get("spec");
        if (!(spec instanceof ObjectNode)) {
            errors.required("spec");
            return;
        }
        String type = JsonFields.string(spec, "type");
        if (!TYPES.contains(type)) {
            errors.unsupported("spec.type", type, TYPES);
        }
        String affinity = JsonFields.string(spec, "sessionAffinity");
        if (!AFFINITIES.contains(affinity)) {
            errors.unsupported("spec.sessionAffinity", affinity, AFFINITIES);
        }
        String clusterIp = JsonFields.string(spec, "clusterIP");
        boolean headless = clusterIp.equals("None");
        if (type.equals("ExternalName")) {
            if (JsonFields.string(spec, "externalName").isEmpty()) {
                errors.required("spec.externalName");
            } else {
                NameValidator.SUBDOMAIN.validate("spec.externalName", JsonFields.string(spec, "externalName"), errors);
            }
            if (!clusterIp.isEmpty()) {
                errors.forbidden("spec.clusterIP", "may not be set for ExternalName services");
            }
        } else if (!clusterIp.isEmpty() && !headless && !IPV4.matcher(clusterIp).matches()) {
            errors.invalid("spec.clusterIPs[0]", clusterIp, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
        if (headless && (type.equals("NodePort") || type.equals("LoadBalancer"))) {
            errors.invalid("spec.clusterIPs[0]", clusterIp, "may not be set to 'None' for " + type + " services");
        }
        families(spec, errors);
        ports(spec, type, headless, errors);
    }

    /** The sandbox is a single-stack IPv4 cluster, and says so as a real one would. */
    private static void families(JsonNode spec, FieldErrors errors) {
        String policy = JsonFields.string(spec, "ipFamilyPolicy");
        if (!policy.isEmpty() && !FAMILY_POLICIES.contains(policy)) {
            errors.unsupported("spec.ipFamilyPolicy", policy, FAMILY_POLICIES);
        } else if (policy.equals("RequireDualStack")) {
            errors.invalid("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack services");
        }
        JsonNode families = spec.path("ipFamilies");
        for (int i = 0; i < families.size(); i++) {
            String family = families.get(i).asString("");
            if (!family.equals("IPv4")) {
                errors.invalid("spec.ipFamilies[" + i + "]", family, "not configured on this cluster");
            }
        }
    }

    private static void ports(JsonNode spec, String type, boolean headless, FieldErrors errors) {
        JsonNode ports = spec.get("ports");
        if (ports == null || !ports.isArray() || ports.isEmpty()) {
            if (!type.equals("ExternalName") && !headless) {
                errors.required("spec.ports");
            }
            return;
        }
        Set<String> names = new HashSet<>();
        Set<String> portProtocols = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            String at = "spec.ports[" + i + "]";
            JsonNode port = ports.get(i);
            String name = JsonFields.string(port, "name");
            if (name.isEmpty()) {
                if (ports.size() > 1) {
                    errors.required(at + ".name");
                }
            } else if (!names.add(name)) {
                errors.duplicate(at + ".name", name);
            } else {
                NameValidator.LABEL.validate(at + ".name", name, errors);
            }
            JsonNode number = port.get("port");
            if (number == null || number.isNull()) {
                errors.required(at + ".port");
            } else if (!number.isIntegralNumber() || number.asLong() < 1 || number.asLong() > 65535) {
                errors.invalid(at + ".port", number.isIntegralNumber() ? number.asLong() : number.toString(),
                        "must be between 1 and 65535, inclusive");
            }
            String protocol = JsonFields.string(port, "protocol");
            if (!PodSpecValidator.PROTOCOLS.contains(protocol)) {
                errors.unsupported(at + ".protocol", protocol, PodSpecValidator.PROTOCOLS);
            }
            if (number != null && !portProtocols.add(number.asString("") + "/" + protocol)) {
                errors.duplicate(at, number.asString("") + "/" + protocol);
            }
            targetPort(port.get("targetPort"), at + ".targetPort", errors);
            JsonNode nodePort = port.get("nodePort");
            if (nodePort != null && nodePort.isIntegralNumber() && nodePort.asLong() != 0
                    && !type.equals("NodePort") && !type.equals("LoadBalancer")) {
                errors.forbidden(at + ".nodePort", "may not be used when `type` is '" + type + "'");
            }
        }
    }

    private static void targetPort(JsonNode target, String path, FieldErrors errors) {
        if (target == null || target.isNull()) {
            return;
        }
        if (target.isIntegralNumber()) {
            if (target.asLong() < 1 || target.asLong() > 65535) {
                errors.invalid(path, target.asLong(), "must be between 1 and 65535, inclusive");
            }
        } else if (!target.isString() || target.asString().length() > 15 || !PORT_NAME.matcher(target.asString()).matches()
                || target.asString().contains("--") || !target.asString().matches(".*[a-z].*")) {
            errors.invalid(path, target.asString(""), "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"
                    + " and at least one letter, at most 15 characters, no leading, trailing or double hyphens");
        }
    }

    static boolean isIpv4(String ip) {
        return IPV4.matcher(ip).matches();
    }

    /** ValidateServiceUpdate: a ClusterIP, once set, is for life (unless the service turns into an ExternalName). */
    static void validateUpdate(ObjectNode current, ObjectNode updated, FieldErrors errors) {
        String before = current.path("spec").path("clusterIP").asString("");
        String after = updated.path("spec").path("clusterIP").asString("");
        boolean bothNeedIp = !"ExternalName".equals(current.path("spec").path("type").asString(""))
                && !"ExternalName".equals(updated.path("spec").path("type").asString(""));
        if (bothNeedIp && !before.isEmpty() && !before.equals(after)) {
            errors.invalid("spec.clusterIP", after, "field is immutable");
        }
    }
}

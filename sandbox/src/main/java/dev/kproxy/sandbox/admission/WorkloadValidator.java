package dev.kproxy.sandbox.admission;

import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateStatefulSetSpec
 * ({@code pkg/apis/apps/validation/validation.go}): a selector that selects the template's own
 * labels, a template that is a valid pod spec restarting Always, and a selector fixed for life.
 */
final class WorkloadValidator {
    private WorkloadValidator() {
    }

    static void validate(ObjectNode object, FieldErrors errors) {
        JsonNode spec = object.get("spec");
        if (!(spec instanceof ObjectNode)) {
            errors.required("spec");
            return;
        }
        JsonNode replicas = spec.get("replicas");
        if (replicas != null && (!replicas.isIntegralNumber() || replicas.asLong() < 0)) {
            errors.invalid("spec.replicas", replicas.isIntegralNumber() ? replicas.asLong() : replicas.toString(),
                    "must be greater than or equal to 0");
        }
        JsonNode selector = spec.get("selector");
        JsonNode template = spec.get("template");
        if (selector == null || !selector.isObject() || LabelSelector.isEmpty(selector)) {
            errors.required("spec.selector");
        } else if (template != null && template.isObject()) {
            var labels = JsonFields.stringMap(template.get("metadata"), "labels");
            if (!LabelSelector.matches(selector, labels)) {
                errors.invalidRendered("spec.template.metadata.labels", GoValue.stringMap(labels),
                        "`selector` does not match template `labels`");
            }
        }
        if (template == null || !template.isObject()) {
            errors.required("spec.template");
        } else {
            PodSpecValidator.validate(template.get("spec"), "spec.template.spec", List.of("Always"), errors);
        }
        strategy(spec, errors);
    }

    /** ValidateDeploymentStrategy: rollingUpdate parameters are meaningless, so forbidden, with Recreate. */
    private static void strategy(JsonNode spec, FieldErrors errors) {
        JsonNode strategy = spec.get("strategy");
        if (strategy != null && "Recreate".equals(strategy.path("type").asString("")) && strategy.has("rollingUpdate")) {
            errors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
        }
    }

    static void validateUpdate(ObjectNode current, ObjectNode updated, FieldErrors errors) {
        JsonNode before = current.path("spec").path("selector");
        JsonNode after = updated.path("spec").path("selector");
        if (!before.isMissingNode() && !before.equals(after)) {
            errors.invalidRendered("spec.selector", after.toString(), "field is immutable");
        }
    }
}

package dev.kproxy.sandbox.controllers;

import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** A new pod from a controller's {@code spec.template}, after {@code controller_utils.go GetPodFromTemplate}. */
final class PodFromTemplate {
    private PodFromTemplate() {
    }

    static ObjectNode build(JsonNode template, ResourceType ownerType, JsonNode owner) {
        ObjectNode pod = JsonNodeFactory.instance.objectNode();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        ObjectNode meta = pod.putObject("metadata");
        meta.put("namespace", owner.path("metadata").path("namespace").asString(""));
        JsonNode templateMeta = template.path("metadata");
        for (String field : new String[] {"labels", "annotations", "finalizers"}) {
            if (templateMeta.has(field)) {
                meta.set(field, templateMeta.get(field).deepCopy());
            }
        }
        if (!meta.has("labels")) {
            meta.putObject("labels");
        }
        OwnerReferences.setController(pod, ownerType, owner);
        pod.set("spec", template.path("spec").isObject() ? template.get("spec").deepCopy() : JsonNodeFactory.instance.objectNode());
        return pod;
    }
}

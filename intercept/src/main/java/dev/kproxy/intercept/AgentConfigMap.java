package dev.kproxy.intercept;

import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * ConfigMap {@value AgentSidecar#CONFIG_MAP}: the agent jar the sidecar runs, one per namespace,
 * created with the first intercept there and deleted with the last.
 */
final class AgentConfigMap {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final Map<String, String> SELECTOR = Map.of(MANAGED_BY, "kproxy");

    private final ClusterObjects objects;

    AgentConfigMap(ClusterObjects objects) {
        this.objects = objects;
    }

    /** Creates it, or updates the jar when this kproxy's differs; an identical jar changes nothing. */
    void ensure(String namespace, byte[] jar) {
        String encoded = Base64.getEncoder().encodeToString(jar);
        Optional<ObjectNode> existing = objects.get(ObjectKind.CONFIG_MAP, namespace, AgentSidecar.CONFIG_MAP);
        if (existing.isEmpty()) {
            ObjectNode cm = ClusterObjects.JSON.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
            ObjectNode meta = cm.putObject("metadata").put("name", AgentSidecar.CONFIG_MAP).put("namespace", namespace);
            meta.putObject("labels").put(MANAGED_BY, "kproxy");
            cm.putObject("binaryData").put(AgentSidecar.JAR_KEY, encoded);
            objects.create(ObjectKind.CONFIG_MAP, namespace, cm);
            return;
        }
        if (!ours(existing.get())) {
            throw new InterceptException("configmap " + namespace + "/" + AgentSidecar.CONFIG_MAP + " exists and was not made"
                    + " by kproxy (no label " + MANAGED_BY + "=kproxy): rename or delete it");
        }
        JsonNode current = existing.get().path("binaryData").path(AgentSidecar.JAR_KEY);
        if (current.isString() && Arrays.equals(Base64.getDecoder().decode(current.asString()), jar)) {
            return;
        }
        ObjectNode patch = ClusterObjects.JSON.createObjectNode();
        patch.putObject("binaryData").put(AgentSidecar.JAR_KEY, encoded);
        objects.mergePatch(ObjectKind.CONFIG_MAP, namespace, AgentSidecar.CONFIG_MAP, patch);
    }

    /** Deletes it once no workload in the namespace is intercepted; @return whether it was deleted */
    boolean deleteIfUnused(String namespace) {
        for (ObjectKind kind : ObjectKind.WORKLOADS) {
            if (!objects.list(kind, namespace, InstallRecord.SELECTOR).isEmpty()) {
                return false;
            }
        }
        Optional<ObjectNode> cm = objects.get(ObjectKind.CONFIG_MAP, namespace, AgentSidecar.CONFIG_MAP);
        return cm.isPresent() && ours(cm.get()) && objects.delete(ObjectKind.CONFIG_MAP, namespace, AgentSidecar.CONFIG_MAP);
    }

    private static boolean ours(JsonNode cm) {
        return "kproxy".equals(cm.path("metadata").path("labels").path(MANAGED_BY).asString(""));
    }
}

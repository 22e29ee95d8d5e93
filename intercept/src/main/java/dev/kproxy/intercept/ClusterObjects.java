package dev.kproxy.intercept;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The objects an intercept touches, as raw JSON trees: typed models would drop fields they do not
 * know, and the original of a changed field must be recorded and restored byte for byte. Every API
 * error becomes a one-line {@link InterceptException}, except a patch the server refuses as
 * conflicting or invalid (409, 422: also a failed JSON-patch {@code test}), which becomes
 * {@link PatchRefused} for {@link GuardedPatch} to tell apart.
 */
final class ClusterObjects {
    static final JsonMapper JSON = JsonMapper.builder().build();

    /** 409 or 422 to a patch; the message is the API server's. */
    static final class PatchRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PatchRefused(String message) {
            super(message);
        }
    }

    private final KubernetesClient client;

    ClusterObjects(KubernetesClient client) {
        this.client = client;
    }

    Optional<ObjectNode> get(ObjectKind kind, String namespace, String name) {
        GenericKubernetesResource r = call("get", kind, namespace, name,
                () -> client.genericKubernetesResources(kind.context).inNamespace(namespace).withName(name).get());
        return Optional.ofNullable(r).map(this::tree);
    }

    /** @param namespace null for every namespace */
    List<ObjectNode> list(ObjectKind kind, String namespace, Map<String, String> labels) {
        var op = client.genericKubernetesResources(kind.context);
        var listed = call("list", kind, namespace, null, () -> (namespace == null
                ? op.inAnyNamespace().withLabels(labels).list()
                : op.inNamespace(namespace).withLabels(labels).list()));
        return listed.getItems().stream().map(this::tree).toList();
    }

    ObjectNode jsonPatch(ObjectKind kind, String namespace, String name, ArrayNode operations) {
        return patch(kind, namespace, name, PatchType.JSON, operations);
    }

    ObjectNode mergePatch(ObjectKind kind, String namespace, String name, ObjectNode patch) {
        try {
            return patch(kind, namespace, name, PatchType.JSON_MERGE, patch);
        } catch (PatchRefused e) {
            throw new InterceptException("cannot patch " + kind.lower() + " " + namespace + "/" + name + ": " + e.getMessage());
        }
    }

    private ObjectNode patch(ObjectKind kind, String namespace, String name, PatchType type, JsonNode body) {
        String text = JSON.writeValueAsString(body);
        try {
            return tree(call("patch", kind, namespace, name, () -> client.genericKubernetesResources(kind.context)
                    .inNamespace(namespace).withName(name).patch(PatchContext.of(type), text)));
        } catch (KubernetesClientException e) {
            throw new PatchRefused(reason(e));
        }
    }

    void create(ObjectKind kind, String namespace, ObjectNode object) {
        GenericKubernetesResource r = client.getKubernetesSerialization()
                .unmarshal(JSON.writeValueAsString(object), GenericKubernetesResource.class);
        call("create", kind, namespace, object.path("metadata").path("name").asString(),
                () -> client.genericKubernetesResources(kind.context).inNamespace(namespace).resource(r).create());
    }

    /** @return whether it existed */
    boolean delete(ObjectKind kind, String namespace, String name) {
        return !call("delete", kind, namespace, name,
                () -> client.genericKubernetesResources(kind.context).inNamespace(namespace).withName(name).delete()).isEmpty();
    }

    private ObjectNode tree(GenericKubernetesResource r) {
        return (ObjectNode) JSON.readTree(client.getKubernetesSerialization().asJson(r));
    }

    /**
     * Runs one API call; 403 becomes the RBAC sentence the README's Permissions section answers,
     * anything else except a conflict a one-line error naming the object. Conflicts (409, and 422
     * for patches) are rethrown for {@link #patch} to turn into {@link PatchRefused}.
     */
    private static <T> T call(String verb, ObjectKind kind, String namespace, String name, Supplier<T> request) {
        try {
            return request.get();
        } catch (KubernetesClientException e) {
            String where = namespace == null ? "in any namespace" : "in namespace " + namespace;
            if (e.getCode() == HttpURLConnection.HTTP_FORBIDDEN) {
                throw new InterceptException("you may not " + verb + " " + kind.plural + " " + where + ": ask for the "
                        + verb + " verb on " + kind.qualified() + " (see README, Permissions)", e);
            }
            if (verb.equals("patch") && (e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == 422)) {
                throw e;
            }
            String object = name == null ? kind.plural + " " + where : kind.lower() + " " + namespace + "/" + name;
            throw new InterceptException("cannot " + verb + " " + object + ": " + reason(e), e);
        }
    }

    private static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}

package dev.kproxy.sandbox.api;

import java.util.Optional;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.node.ObjectNode;

/**
 * Just enough OpenAPI v3 for {@code kubectl create -f} and {@code kubectl apply -f}.
 *
 * <p>kubectl validates manifests before sending them, and without any OpenAPI document it refuses
 * ("failed to download openapi"). When the document shows that a kind's PATCH operation takes the
 * {@code fieldValidation} query parameter, kubectl skips client-side validation and leaves it to
 * the server (k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go, supportsQueryParamV3).
 * So each group version lists, per kind, one PATCH operation with the
 * {@code x-kubernetes-group-version-kind} extension and that parameter, and no schemas: kubectl
 * then computes apply patches from its built-in types. The sandbox does not validate fields itself.
 */
final class OpenApiDocuments {
    private static final String ROOT = "/openapi/v3";

    private OpenApiDocuments() {
    }

    /** The document at {@code path}, or empty when it is not an OpenAPI v3 path. */
    static Optional<ObjectNode> at(String path) {
        if (path.equals(ROOT) || path.equals(ROOT + "/")) {
            return Optional.of(index());
        }
        if (!path.startsWith(ROOT + "/")) {
            return Optional.empty();
        }
        String gv = path.substring(ROOT.length() + 1);
        boolean known = ResourceCatalog.ALL.stream().anyMatch(t -> key(t).equals(gv));
        return known ? Optional.of(groupVersion(gv)) : Optional.empty();
    }

    private static ObjectNode index() {
        ObjectNode root = StatusResponses.JSON.createObjectNode();
        ObjectNode paths = root.putObject("paths");
        for (ResourceType t : ResourceCatalog.ALL) {
            paths.putObject(key(t)).put("serverRelativeURL", ROOT + "/" + key(t));
        }
        return root;
    }

    private static ObjectNode groupVersion(String gv) {
        ObjectNode doc = StatusResponses.JSON.createObjectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0");
        ObjectNode paths = doc.putObject("paths");
        for (ResourceType t : ResourceCatalog.ALL) {
            if (!key(t).equals(gv)) {
                continue;
            }
            String item = "/" + gv + (t.namespaced() ? "/namespaces/{namespace}/" : "/") + t.plural() + "/{name}";
            ObjectNode patch = paths.putObject(item).putObject("patch");
            patch.putObject("x-kubernetes-group-version-kind")
                    .put("group", t.group()).put("version", t.version()).put("kind", t.kind());
            ObjectNode param = patch.putArray("parameters").addObject();
            param.put("name", "fieldValidation").put("in", "query");
            param.putObject("schema").put("type", "string");
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        doc.putObject("components").putObject("schemas");
        return doc;
    }

    /** {@code api/v1} or {@code apis/apps/v1}, as the index names group versions. */
    private static String key(ResourceType t) {
        return t.group().isEmpty() ? "api/" + t.version() : "apis/" + t.group() + "/" + t.version();
    }
}

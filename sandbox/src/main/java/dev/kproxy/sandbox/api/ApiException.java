package dev.kproxy.sandbox.api;

import dev.kproxy.sandbox.store.ResourceType;

/**
 * A request the API refuses, carried to the router's boundary and written there as a
 * {@code v1 Status}. The factories reproduce the Kubernetes messages word for word
 * (k8s.io/apimachinery/pkg/api/errors/errors.go) because clients and people match on them.
 */
final class ApiException extends RuntimeException {
    private final int code;
    private final String reason;
    private final String detailName;
    private final String detailGroup;
    private final String detailKind;

    ApiException(int code, String reason, String message) {
        this(code, reason, message, null, null, null);
    }

    ApiException(int code, String reason, String message, String detailName, String detailGroup, String detailKind) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.detailName = detailName;
        this.detailGroup = detailGroup;
        this.detailKind = detailKind;
    }

    int code() {
        return code;
    }

    String reason() {
        return reason;
    }

    String detailName() {
        return detailName;
    }

    String detailGroup() {
        return detailGroup;
    }

    String detailKind() {
        return detailKind;
    }

    static ApiException unauthorized() {
        return new ApiException(401, "Unauthorized", "Unauthorized");
    }

    static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message);
    }

    static ApiException notFound(ResourceType type, String name) {
        return new ApiException(404, "NotFound", type + " \"" + name + "\" not found", name, type.group(), type.plural());
    }

    /** What the real server answers for a URL it has no handler for. */
    static ApiException noSuchPath() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource");
    }

    static ApiException methodNotAllowed(String method) {
        return new ApiException(405, "MethodNotAllowed", "the server does not allow this method on the requested resource ("
                + method + ")");
    }

    /** handlers/patch.go: the answer to server-side apply and any other patch type we do not know. */
    static ApiException unsupportedPatch(String contentType) {
        return new ApiException(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                + "accepted media types include: application/json-patch+json, application/merge-patch+json, "
                + "application/strategic-merge-patch+json (got " + contentType + ")");
    }

    /** responsewriters/errors.go forbiddenMessage, wrapped by errors.NewForbidden. */
    static ApiException forbidden(String user, String verb, ResourceType type, String subresource, String namespace,
                                  String name) {
        String resource = subresource == null ? type.plural() : type.plural() + "/" + subresource;
        String scope = namespace == null || namespace.isEmpty()
                ? " at the cluster scope"
                : " in the namespace \"" + namespace + "\"";
        String why = "User \"" + user + "\" cannot " + verb + " resource \"" + resource + "\" in API group \""
                + type.group() + "\"" + scope;
        String subject = name == null || name.isEmpty() ? type.toString() : type + " \"" + name + "\"";
        return new ApiException(403, "Forbidden", subject + " is forbidden: " + why, name, type.group(), type.plural());
    }

    /** The non-resource form, for the sandbox's own paths. */
    static ApiException forbiddenPath(String user, String verb, String path) {
        return new ApiException(403, "Forbidden", "forbidden: User \"" + user + "\" cannot " + verb + " path \"" + path + "\"");
    }
}

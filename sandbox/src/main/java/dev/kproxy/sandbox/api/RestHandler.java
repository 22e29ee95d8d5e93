package dev.kproxy.sandbox.api;

import java.util.List;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.patch.PatchType;
import dev.kproxy.sandbox.patch.Patcher;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The REST verbs on one resource type and its {@code /status} subresource: get, list, watch,
 * create, update, patch, delete. Every write goes through {@link Admission} before the store, so
 * the API and in-process writers produce the same objects.
 */
final class RestHandler {
    /** How often a patch without a resourceVersion is retried on a conflict, as the apiserver retries it (patch.go). */
    private static final int PATCH_ATTEMPTS = 5;

    private final ObjectStore store;
    private final Admission admission;

    RestHandler(ObjectStore store, Admission admission) {
        this.store = store;
        this.admission = admission;
    }

    void handle(ResourceRequest r) {
        HttpMethod m = r.http().method();
        boolean status = "status".equals(r.path().subresource());
        if (r.path().subresource() != null && !status) {
            throw ApiException.noSuchPath();
        }
        if (status && !DiscoveryDocuments.WITH_STATUS.contains(r.type().plural())) {
            throw ApiException.noSuchPath();
        }
        if (r.path().name() == null) {
            if (m.equals(HttpMethod.GET)) {
                if (r.flag("watch")) {
                    r.authorize("watch");
                    WatchStream.start(store, r);
                } else {
                    list(r);
                }
            } else if (m.equals(HttpMethod.POST)) {
                create(r);
            } else {
                throw ApiException.methodNotAllowed(m.name());
            }
            return;
        }
        if (m.equals(HttpMethod.GET)) {
            get(r);
        } else if (m.equals(HttpMethod.PUT)) {
            update(r, status);
        } else if (m.equals(HttpMethod.PATCH)) {
            patch(r, status);
        } else if (m.equals(HttpMethod.DELETE) && !status) {
            delete(r);
        } else {
            throw ApiException.methodNotAllowed(m.name());
        }
    }

    private void get(ResourceRequest r) {
        r.authorize("get");
        ObjectNode o = current(r);
        if (r.wantsTable()) {
            reply(r, 200, TablePrinter.table(r.type(), List.of(o), version(o),
                    TablePrinter.include(r.param("includeObject"))));
        } else {
            reply(r, 200, o);
        }
    }

    private void list(ResourceRequest r) {
        r.authorize("list");
        ObjectFilter filter = ObjectFilter.from(r.query());
        // Read the version first: a watch from it may repeat a change the list already shows,
        // but can never miss one (informers resume from this number).
        String version = Long.toString(store.resourceVersion());
        List<ObjectNode> items = store.list(r.type(), r.namespace(), filter::test);
        if (r.wantsTable()) {
            reply(r, 200, TablePrinter.table(r.type(), items, version, TablePrinter.include(r.param("includeObject"))));
            return;
        }
        ObjectNode list = StatusResponses.JSON.createObjectNode();
        list.put("kind", r.type().kind() + "List");
        list.put("apiVersion", r.type().apiVersion());
        list.putObject("metadata").put("resourceVersion", version);
        list.putArray("items").addAll(items);
        reply(r, 200, list);
    }

    private void create(ResourceRequest r) {
        r.authorize("create");
        ObjectNode o = bodyObject(r);
        checkKind(r.type(), o);
        ObjectNode meta = metadata(o);
        if (r.type().namespaced()) {
            String ns = r.namespace();
            String own = meta.path("namespace").asString("");
            if (ns.isEmpty()) {
                throw ApiException.badRequest("the namespace of the object must be in the URL for " + r.type());
            }
            if (!own.isEmpty() && !own.equals(ns)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            meta.put("namespace", ns);
            if (store.get(ResourceCatalog.NAMESPACE, "", ns).isEmpty()) {
                throw ApiException.notFound(ResourceCatalog.NAMESPACE, ns);
            }
        }
        o.put("apiVersion", r.type().apiVersion());
        o.put("kind", r.type().kind());
        ObjectNode created = store.create(r.type(), admission.admitCreate(r.type(), o));
        reply(r, 201, created);
    }

    private void update(ResourceRequest r, boolean statusOnly) {
        r.authorize("update");
        ObjectNode o = bodyObject(r);
        checkKind(r.type(), o);
        String name = metadata(o).path("name").asString("");
        if (!name.isEmpty() && !name.equals(r.path().name())) {
            throw ApiException.badRequest("the name of the object (" + name + ") does not match the name on the URL ("
                    + r.path().name() + ")");
        }
        ObjectNode current = current(r);
        ObjectNode next = onlyWhatMayChange(r.type(), current, o, statusOnly);
        metadata(next).put("resourceVersion", metadata(o).path("resourceVersion").asString(""));
        reply(r, 200, store.update(r.type(), admission.admitUpdate(r.type(), current, next)));
    }

    private void patch(ResourceRequest r, boolean statusOnly) {
        r.authorize("patch");
        String contentType = r.http().headers().get(HttpHeaderNames.CONTENT_TYPE);
        PatchType patchType = PatchType.fromContentType(contentType)
                .orElseThrow(() -> ApiException.unsupportedPatch(contentType));
        JsonNode patch = body(r);
        for (int attempt = 1; ; attempt++) {
            ObjectNode current = current(r);
            ObjectNode patched = Patcher.apply(patchType, r.type(), current, patch);
            ObjectNode next = onlyWhatMayChange(r.type(), current, patched, statusOnly);
            boolean pinned = !metadata(patched).path("resourceVersion").asString("").equals(version(current));
            metadata(next).put("resourceVersion", metadata(patched).path("resourceVersion").asString(""));
            try {
                reply(r, 200, store.update(r.type(), admission.admitUpdate(r.type(), current, next)));
                return;
            } catch (StoreException e) {
                if (e.reason() != StoreException.Reason.CONFLICT || pinned || attempt >= PATCH_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private void delete(ResourceRequest r) {
        r.authorize("delete");
        ObjectNode deleted = store.delete(r.type(), r.namespace(), r.path().name());
        admission.released(r.type(), deleted);
        reply(r, 200, deleted);
    }

    /**
     * The main resource cannot change status, and {@code /status} can change nothing else, for
     * the types that have a status subresource (registry strategies PrepareForUpdate).
     */
    private static ObjectNode onlyWhatMayChange(ResourceType type, ObjectNode current, ObjectNode incoming,
                                                boolean statusOnly) {
        if (statusOnly) {
            ObjectNode next = current.deepCopy();
            setOrRemove(next, "status", incoming.get("status"));
            return next;
        }
        ObjectNode next = incoming.deepCopy();
        if (DiscoveryDocuments.WITH_STATUS.contains(type.plural())) {
            setOrRemove(next, "status", current.get("status"));
        }
        return next;
    }

    private static void setOrRemove(ObjectNode o, String field, JsonNode value) {
        if (value == null) {
            o.remove(field);
        } else {
            o.set(field, value.deepCopy());
        }
    }

    private ObjectNode current(ResourceRequest r) {
        return store.get(r.type(), r.namespace(), r.path().name())
                .orElseThrow(() -> ApiException.notFound(r.type(), r.path().name()));
    }

    private static void checkKind(ResourceType type, ObjectNode o) {
        String kind = o.path("kind").asString("");
        if (!kind.isEmpty() && !kind.equals(type.kind())) {
            throw ApiException.badRequest("the API version in the data (" + o.path("apiVersion").asString("")
                    + ") does not match the expected API version (" + type.apiVersion() + ") or kind " + kind
                    + " is not " + type.kind());
        }
    }

    private static JsonNode body(ResourceRequest r) {
        try {
            return StatusResponses.JSON.readTree(new io.netty.buffer.ByteBufInputStream(r.http().content().duplicate()));
        } catch (JacksonException e) {
            throw ApiException.badRequest("the request body is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static ObjectNode bodyObject(ResourceRequest r) {
        JsonNode body = body(r);
        if (!(body instanceof ObjectNode o)) {
            throw ApiException.badRequest("the request body must be a JSON object, got " + body.getNodeType());
        }
        return o;
    }

    private static ObjectNode metadata(ObjectNode o) {
        JsonNode m = o.get("metadata");
        return m instanceof ObjectNode om ? om : o.putObject("metadata");
    }

    private static String version(ObjectNode o) {
        return o.path("metadata").path("resourceVersion").asString("");
    }

    private static void reply(ResourceRequest r, int code, JsonNode body) {
        HttpReplies.json(r.ctx(), r.http(), code, body);
    }
}

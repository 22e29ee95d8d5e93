package dev.kproxy.sandbox.api;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import dev.kproxy.sandbox.store.WatchEvent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One watch request: store events, filtered through the request's selectors, written to a
 * {@link WatchTransport}.
 *
 * <p>Selectors are applied as the apiserver's cacher does (storage/cacher/cache_watcher.go): an
 * object that starts matching arrives as ADDED, one that stops matching as DELETED. The store's
 * events carry no previous state, so the stream remembers what the client can see. Without a
 * resourceVersion the watch starts with an ADDED per existing object ("get state and start at most
 * recent"); with one, history is replayed, and for replayed changes to objects the stream knows
 * nothing of it assumes the client might hold them, so a stale object is deleted rather than left
 * behind. That can send a DELETED for an object the client never had, which informers ignore; it
 * never happens for selectors on names alone (kubectl's wait for deletion), since a name cannot change.
 */
final class WatchStream {
    private final ObjectStore store;
    private final ResourceType type;
    private final String namespace;
    private final ObjectFilter filter;
    private final TablePrinter.Include tableRows;
    private final WatchTransport transport;
    private final boolean bookmarks;
    private final Map<String, Boolean> visible = new HashMap<>();
    private final Map<String, Long> sentVersion = new HashMap<>();
    private long replayedUpTo;
    private ObjectStore.Watch subscription;
    private ScheduledFuture<?> timeout;
    private boolean stopped;

    private WatchStream(ObjectStore store, ResourceRequest r, ObjectFilter filter, WatchTransport transport) {
        this.store = store;
        this.type = r.type();
        this.namespace = r.namespace();
        this.filter = filter;
        this.tableRows = r.wantsTable() ? TablePrinter.include(r.param("includeObject")) : null;
        this.transport = transport;
        this.bookmarks = r.flag("allowWatchBookmarks");
    }

    /** Validates the request, answers it (chunked or WebSocket upgrade) and starts streaming. */
    static void start(ObjectStore store, ResourceRequest r) {
        ObjectFilter filter = ObjectFilter.from(r.query());
        long since = parseCount(r.param("resourceVersion"));
        long timeoutSeconds = parseCount(r.param("timeoutSeconds"));
        WatchTransport transport = isWebSocket(r) ? WebSocketWatchTransport.upgrade(r.ctx(), r.http())
                : new ChunkedWatchTransport(r.ctx(), r.http());
        if (transport == null) {
            return;
        }
        WatchStream w = new WatchStream(store, r, filter, transport);
        transport.onClientGone(w::stop);
        w.begin(since);
        if (timeoutSeconds > 0) {
            w.scheduleTimeout(r.ctx().executor().schedule(w::stop, timeoutSeconds, TimeUnit.SECONDS));
        }
    }

    private synchronized void begin(long since) {
        long from = since;
        if (since == 0) {
            from = store.resourceVersion();
            for (ObjectNode o : store.list(type, namespace, filter::test)) {
                visible.put(key(o), true);
                sentVersion.put(key(o), version(o));
                send("ADDED", o);
            }
        } else {
            store.list(type, namespace, filter::test).forEach(o -> visible.put(key(o), true));
        }
        try {
            subscription = store.watch(type, namespace, from, this::onEvent);
        } catch (StoreException e) {
            ApiException gone = new ApiException(e.reason().httpCode, e.reason().statusReason, e.getMessage());
            sendRaw("ERROR", StatusResponses.status(gone));
            stop();
            return;
        }
        replayedUpTo = since == 0 ? from : store.resourceVersion();
    }

    private synchronized void onEvent(WatchEvent e) {
        if (stopped) {
            return;
        }
        String key = key(e.object());
        Long sent = sentVersion.get(key);
        if (sent != null) {
            if (e.resourceVersion() <= sent) {
                return;
            }
            sentVersion.remove(key);
        }
        // A replayed change to an object we know nothing about may concern one the client holds,
        // unless it was just created or no change can move an object across the selector.
        boolean replay = e.resourceVersion() <= replayedUpTo;
        Boolean was = visible.get(key);
        boolean mayBeVisible = Boolean.TRUE.equals(was) || (was == null && replay
                && e.type() != WatchEvent.Type.ADDED && filter.membershipCanChange());
        boolean matches = e.type() != WatchEvent.Type.DELETED && filter.test(e.object());
        if (matches) {
            visible.put(key, true);
            send(Boolean.TRUE.equals(was) ? e.type().name() : "ADDED", e.object());
        } else {
            visible.put(key, false);
            if (mayBeVisible) {
                send("DELETED", e.object());
            }
        }
        if (e.type() == WatchEvent.Type.DELETED) {
            visible.remove(key);
        }
    }

    private synchronized void scheduleTimeout(ScheduledFuture<?> t) {
        if (stopped) {
            t.cancel(false);
        } else {
            timeout = t;
        }
    }

    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (subscription != null) {
            subscription.close();
        }
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (bookmarks && subscription != null) {
            ObjectNode mark = StatusResponses.JSON.createObjectNode();
            mark.put("kind", type.kind());
            mark.put("apiVersion", type.apiVersion());
            mark.putObject("metadata").put("resourceVersion", Long.toString(store.resourceVersion()));
            sendRaw("BOOKMARK", mark);
        }
        transport.end();
    }

    private void send(String eventType, ObjectNode object) {
        JsonNode body = tableRows == null ? object
                : TablePrinter.table(type, List.of(object), object.path("metadata").path("resourceVersion").asString(""),
                        tableRows);
        sendRaw(eventType, body);
    }

    private void sendRaw(String eventType, JsonNode object) {
        ObjectNode event = StatusResponses.JSON.createObjectNode();
        event.put("type", eventType);
        event.set("object", object);
        transport.send(StatusResponses.JSON.writeValueAsBytes(event));
    }

    private static boolean isWebSocket(ResourceRequest r) {
        return r.http().headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private static long parseCount(String value) {
        if (value == null || value.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid number \"" + value + "\": resourceVersion and timeoutSeconds must be integers");
        }
    }

    private static String key(JsonNode o) {
        return o.path("metadata").path("namespace").asString("") + "/" + o.path("metadata").path("name").asString("");
    }

    private static long version(JsonNode o) {
        return Long.parseLong(o.path("metadata").path("resourceVersion").asString("0"));
    }
}

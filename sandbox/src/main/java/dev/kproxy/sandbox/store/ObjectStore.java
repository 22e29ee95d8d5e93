package dev.kproxy.sandbox.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox's etcd: every object as a JSON tree, one global resourceVersion counter, and a
 * bounded history so a watch can resume from the version a list returned (as informers do).
 *
 * <p>All methods are thread-safe and return private copies. Watch listeners run on a thread of
 * their own per watch, in event order, so a listener may call back into the store.
 */
public final class ObjectStore implements AutoCloseable {

    /** How many past events a watch can resume from; older versions get 410 Gone, as in a real cluster. */
    private static final int HISTORY = 20_000;

    private record Key(ResourceType type, String namespace, String name) {
    }

    private static final Comparator<Key> ORDER = Comparator.comparing((Key k) -> k.type().toString())
            .thenComparing(Key::namespace)
            .thenComparing(Key::name);

    private final Map<Key, ObjectNode> objects = new TreeMap<>(ORDER);
    private final Deque<WatchEvent> history = new ArrayDeque<>();
    private final List<StoreWatch> watches = new CopyOnWriteArrayList<>();
    private final ExecutorService delivery = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "store-watch");
        t.setDaemon(true);
        return t;
    });
    private long resourceVersion = 1;

    public synchronized long resourceVersion() {
        return resourceVersion;
    }

    public synchronized Optional<ObjectNode> get(ResourceType type, String namespace, String name) {
        ObjectNode o = objects.get(key(type, namespace, name));
        return Optional.ofNullable(o).map(ObjectNode::deepCopy);
    }

    /** Objects of a type, in one namespace or (namespace null or empty) in all, that pass the filter. */
    public synchronized List<ObjectNode> list(ResourceType type, String namespace, Predicate<ObjectNode> filter) {
        List<ObjectNode> out = new ArrayList<>();
        for (Map.Entry<Key, ObjectNode> e : objects.entrySet()) {
            Key k = e.getKey();
            if (!k.type().equals(type)) {
                continue;
            }
            if (namespace != null && !namespace.isEmpty() && type.namespaced() && !k.namespace().equals(namespace)) {
                continue;
            }
            if (filter.test(e.getValue())) {
                out.add(e.getValue().deepCopy());
            }
        }
        return out;
    }

    public List<ObjectNode> list(ResourceType type, String namespace) {
        return list(type, namespace, o -> true);
    }

    /**
     * Stores a new object. Fills uid, creationTimestamp, resourceVersion and generation; honours
     * {@code metadata.generateName} when no name is given.
     */
    public synchronized ObjectNode create(ResourceType type, ObjectNode object) {
        ObjectNode o = object.deepCopy();
        ObjectNode meta = metadata(o);
        String name = meta.path("name").asString("");
        if (name.isEmpty()) {
            String prefix = meta.path("generateName").asString("");
            if (prefix.isEmpty()) {
                throw new StoreException(StoreException.Reason.INVALID,
                        type.kind() + ": metadata.name or metadata.generateName is required");
            }
            do {
                name = prefix + randomSuffix();
            } while (objects.containsKey(key(type, meta.path("namespace").asString(""), name)));
            meta.put("name", name);
        }
        String namespace = type.namespaced() ? meta.path("namespace").asString("") : "";
        if (type.namespaced() && namespace.isEmpty()) {
            throw new StoreException(StoreException.Reason.INVALID, type.kind() + " \"" + name + "\": namespace is required");
        }
        if (!type.namespaced()) {
            meta.remove("namespace");
        }
        Key k = key(type, namespace, name);
        if (objects.containsKey(k)) {
            throw new StoreException(StoreException.Reason.ALREADY_EXISTS,
                    type + " \"" + name + "\" already exists");
        }
        o.put("apiVersion", type.apiVersion());
        o.put("kind", type.kind());
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", now());
        if (o.has("spec")) {
            meta.put("generation", 1);
        }
        meta.put("resourceVersion", Long.toString(++resourceVersion));
        objects.put(k, o);
        publish(WatchEvent.Type.ADDED, type, o);
        return o.deepCopy();
    }

    /**
     * Replaces an object. A non-empty {@code metadata.resourceVersion} must match the stored one
     * (optimistic concurrency, 409 Conflict otherwise). Identity fields are kept from the stored copy.
     */
    public synchronized ObjectNode update(ResourceType type, ObjectNode object) {
        ObjectNode o = object.deepCopy();
        ObjectNode meta = metadata(o);
        String namespace = type.namespaced() ? meta.path("namespace").asString("") : "";
        String name = meta.path("name").asString("");
        Key k = key(type, namespace, name);
        ObjectNode current = objects.get(k);
        if (current == null) {
            throw StoreException.notFound(type, name);
        }
        String expected = meta.path("resourceVersion").asString("");
        String actual = metadata(current).path("resourceVersion").asString("");
        if (!expected.isEmpty() && !expected.equals(actual)) {
            throw new StoreException(StoreException.Reason.CONFLICT, "Operation cannot be fulfilled on " + type
                    + " \"" + name + "\": the object has been modified; please apply your changes to the latest version and try again");
        }
        return replace(k, current, o);
    }

    /** Reads, changes and writes one object under the store's lock: no conflicts for in-process controllers. */
    public synchronized ObjectNode modify(ResourceType type, String namespace, String name, UnaryOperator<ObjectNode> change) {
        Key k = key(type, namespace, name);
        ObjectNode current = objects.get(k);
        if (current == null) {
            throw StoreException.notFound(type, name);
        }
        ObjectNode changed = change.apply(current.deepCopy());
        if (changed == null || changed.equals(current)) {
            return current.deepCopy();
        }
        return replace(k, current, changed);
    }

    private ObjectNode replace(Key k, ObjectNode current, ObjectNode o) {
        ObjectNode meta = metadata(o);
        ObjectNode currentMeta = metadata(current);
        o.put("apiVersion", k.type().apiVersion());
        o.put("kind", k.type().kind());
        meta.put("name", k.name());
        if (k.type().namespaced()) {
            meta.put("namespace", k.namespace());
        }
        for (String field : List.of("uid", "creationTimestamp", "deletionTimestamp")) {
            if (currentMeta.has(field)) {
                meta.set(field, currentMeta.get(field));
            } else {
                meta.remove(field);
            }
        }
        long generation = currentMeta.path("generation").asLong(0);
        if (generation > 0 || o.has("spec")) {
            boolean specChanged = !Objects.equals(current.get("spec"), o.get("spec"));
            meta.put("generation", specChanged ? Math.max(1, generation + 1) : Math.max(1, generation));
        }
        meta.put("resourceVersion", Long.toString(++resourceVersion));
        objects.put(k, o);
        publish(WatchEvent.Type.MODIFIED, k.type(), o);
        return o.deepCopy();
    }

    /** Removes an object and returns its last state. Cascading is the garbage collector's job, not the store's. */
    public synchronized ObjectNode delete(ResourceType type, String namespace, String name) {
        Key k = key(type, namespace, name);
        ObjectNode removed = objects.remove(k);
        if (removed == null) {
            throw StoreException.notFound(type, name);
        }
        metadata(removed).put("resourceVersion", Long.toString(++resourceVersion));
        publish(WatchEvent.Type.DELETED, type, removed);
        return removed.deepCopy();
    }

    /**
     * Watches a type (in one namespace, or all when namespace is null or empty). Events after
     * {@code sinceVersion} are replayed first; 0 means "from now".
     *
     * @throws StoreException GONE when sinceVersion is older than the retained history
     */
    public synchronized Watch watch(ResourceType type, String namespace, long sinceVersion, Consumer<WatchEvent> listener) {
        StoreWatch w = new StoreWatch(type, namespace == null ? "" : namespace, listener);
        if (sinceVersion > 0 && sinceVersion < resourceVersion) {
            WatchEvent oldest = history.peekFirst();
            if (oldest != null && oldest.resourceVersion() > sinceVersion + 1) {
                throw new StoreException(StoreException.Reason.GONE,
                        "too old resource version: " + sinceVersion + " (" + resourceVersion + ")");
            }
            for (WatchEvent e : history) {
                if (e.resourceVersion() > sinceVersion) {
                    w.offer(e);
                }
            }
        }
        watches.add(w);
        return w;
    }

    private void publish(WatchEvent.Type type, ResourceType rt, ObjectNode object) {
        WatchEvent e = new WatchEvent(type, rt, object.deepCopy(), resourceVersion);
        history.addLast(e);
        if (history.size() > HISTORY) {
            history.removeFirst();
        }
        for (StoreWatch w : watches) {
            w.offer(e);
        }
    }

    @Override
    public void close() {
        watches.forEach(StoreWatch::close);
        delivery.shutdownNow();
    }

    private static Key key(ResourceType type, String namespace, String name) {
        return new Key(type, type.namespaced() && namespace != null ? namespace : "", name);
    }

    private static ObjectNode metadata(ObjectNode o) {
        JsonNode m = o.get("metadata");
        if (m instanceof ObjectNode om) {
            return om;
        }
        return o.putObject("metadata");
    }

    private static String randomSuffix() {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789";
        StringBuilder sb = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** RFC 3339 in seconds, as the API server writes timestamps. */
    public static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** A live watch; close it to stop delivery. */
    public interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    private final class StoreWatch implements Watch {
        private final ResourceType type;
        private final String namespace;
        private final Consumer<WatchEvent> listener;
        private final Deque<WatchEvent> queue = new ArrayDeque<>();
        private boolean draining;
        private volatile boolean closed;

        StoreWatch(ResourceType type, String namespace, Consumer<WatchEvent> listener) {
            this.type = type;
            this.namespace = namespace;
            this.listener = listener;
        }

        void offer(WatchEvent e) {
            if (closed || !e.resourceType().equals(type)
                    || (!namespace.isEmpty() && type.namespaced() && !namespace.equals(e.namespace()))) {
                return;
            }
            synchronized (queue) {
                queue.addLast(e);
                if (draining) {
                    return;
                }
                draining = true;
            }
            try {
                delivery.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException stopped) {
                closed = true;
            }
        }

        private void drain() {
            while (true) {
                WatchEvent next;
                synchronized (queue) {
                    next = queue.pollFirst();
                    if (next == null || closed) {
                        draining = false;
                        return;
                    }
                }
                try {
                    listener.accept(next);
                } catch (RuntimeException e) {
                    System.getLogger(ObjectStore.class.getName())
                            .log(System.Logger.Level.WARNING, "watch listener failed on " + next.type() + " " + next.name(), e);
                }
            }
        }

        @Override
        public void close() {
            closed = true;
            watches.remove(this);
        }
    }
}

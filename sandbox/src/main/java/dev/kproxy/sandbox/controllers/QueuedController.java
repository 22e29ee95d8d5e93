package dev.kproxy.sandbox.controllers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.node.ObjectNode;

/**
 * A level-triggered controller: watches map events to keys of its primary kind, and each key is
 * reconciled from the store's current state, so a missed or repeated event does no harm.
 */
abstract class QueuedController implements AutoCloseable {
    protected final ObjectStore store;
    private final ResourceType primary;
    private final ReconcileQueue<ObjectKey> queue;
    private final List<ObjectStore.Watch> watches = new ArrayList<>();

    QueuedController(ObjectStore store, ResourceType primary, String name) {
        this.store = store;
        this.primary = primary;
        this.queue = new ReconcileQueue<>(name, this::reconcile);
    }

    /** Brings everything about one existing object of the primary kind to its desired state; must be idempotent. */
    protected abstract void reconcile(ObjectKey key, ObjectNode object);

    /** What to do once the object is gone; by default nothing, its dependents being the garbage collector's. */
    protected void reconcileAbsent(ObjectKey key) {
    }

    private void reconcile(ObjectKey key) {
        Optional<ObjectNode> object = store.get(primary, key.namespace(), key.name());
        if (object.isPresent()) {
            reconcile(key, object.get());
        } else {
            reconcileAbsent(key);
        }
    }

    /** Registers the secondary watches (pods, replica sets, ...) that re-queue primary keys. */
    protected abstract void watchSecondaries();

    /** Watches from now, then queues every existing object: no change between the two can be missed. */
    final synchronized void start() {
        watch(primary, e -> List.of(ObjectKey.of(e.object())));
        watchSecondaries();
        for (var o : store.list(primary, null)) {
            enqueue(ObjectKey.of(o));
        }
    }

    protected final synchronized void watch(ResourceType type, Function<WatchEvent, Collection<ObjectKey>> keys) {
        watches.add(store.watch(type, null, 0, e -> keys.apply(e).forEach(this::enqueue)));
    }

    protected final void enqueue(ObjectKey key) {
        queue.add(key);
    }

    protected final void enqueueAfter(ObjectKey key, long delayMillis) {
        queue.addAfter(key, delayMillis);
    }

    @Override
    public synchronized void close() {
        watches.forEach(ObjectStore.Watch::close);
        watches.clear();
        queue.close();
    }
}

package dev.kproxy.sandbox.controllers;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A deduplicating work queue with one worker thread, like client-go's rate-limited workqueue: a
 * key queued twice before its turn is reconciled once, one key is never reconciled concurrently,
 * and a failed reconcile is retried with per-key exponential backoff.
 *
 * @param <K> what identifies one unit of work, usually an {@link ObjectKey}
 */
final class ReconcileQueue<K> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReconcileQueue.class);
    private static final long FIRST_RETRY_MILLIS = 50;
    private static final long MAX_RETRY_MILLIS = 5_000;

    private final String name;
    private final Consumer<K> reconciler;
    private final ScheduledThreadPoolExecutor worker;
    private final Set<K> pending = ConcurrentHashMap.newKeySet();
    private final Map<K, Long> failures = new ConcurrentHashMap<>();

    ReconcileQueue(String name, Consumer<K> reconciler) {
        this.name = name;
        this.reconciler = reconciler;
        this.worker = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        worker.setRemoveOnCancelPolicy(true);
    }

    void add(K key) {
        if (pending.add(key)) {
            try {
                worker.execute(() -> run(key));
            } catch (RejectedExecutionException closed) {
                pending.remove(key);
            }
        }
    }

    /** Queues the key again later, e.g. when a pod becomes available only after minReadySeconds. */
    void addAfter(K key, long delayMillis) {
        try {
            worker.schedule(() -> add(key), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            // shutting down: nothing left to reconcile for
        }
    }

    private void run(K key) {
        pending.remove(key);
        try {
            reconciler.accept(key);
            failures.remove(key);
        } catch (RuntimeException e) {
            long attempt = failures.merge(key, 1L, Long::sum);
            long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(attempt - 1, 16));
            if (attempt == 1 || attempt % 12 == 0) { // once, then about once a minute while it keeps failing
                LOG.warn("{}: reconciling {} failed ({}), retrying in {} ms", name, key, e.getMessage(), delay);
            }
            addAfter(key, delay);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}

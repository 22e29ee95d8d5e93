package dev.kproxy.k8s;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * The informers of one resource kind: one per mapped namespace, or one over all namespaces.
 * Informers re-list and re-watch by themselves when the API server goes away and comes back.
 */
final class InformedResources<T extends HasMetadata> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InformedResources.class);

    private final String kind;
    /** Keyed by namespace; the single entry under {@code null} watches all namespaces. */
    private final Map<String, SharedIndexInformer<T>> informers = new LinkedHashMap<>();
    private final CompletableFuture<Void> synced;

    InformedResources(String kind, MixedOperation<T, ?, ?> operation, Set<String> namespaces,
                      Map<String, Function<T, List<String>>> indexers) {
        this.kind = kind;
        if (namespaces.isEmpty()) {
            informers.put(null, operation.inAnyNamespace().runnableInformer(0));
        } else {
            namespaces.forEach(ns -> informers.put(ns, operation.inNamespace(ns).runnableInformer(0)));
        }
        List<CompletableFuture<Void>> starts = new ArrayList<>();
        for (Map.Entry<String, SharedIndexInformer<T>> entry : informers.entrySet()) {
            SharedIndexInformer<T> informer = entry.getValue();
            String where = entry.getKey() == null ? "all namespaces" : "namespace " + entry.getKey();
            informer.addIndexers(indexers);
            // Before the first sync a failure ends start() (ready() then says why); once started,
            // keep retrying: the API server may restart and the informer then re-lists.
            informer.exceptionHandler((started, t) -> {
                LOG.debug("{} informer: {}", kind, t.toString());
                return started;
            });
            starts.add(informer.start().toCompletableFuture().handle((ok, failure) -> {
                if (failure != null) {
                    throw new CompletionException(new IllegalStateException("cannot list and watch " + kind + "s in " + where
                            + ": " + rootMessage(failure) + "; check the API server and your RBAC permissions (list, watch)", failure));
                }
                return ok;
            }));
        }
        synced = CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new));
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    CompletableFuture<Void> synced() {
        return synced;
    }

    Optional<T> get(String namespace, String name) {
        SharedIndexInformer<T> informer = informers.containsKey(null) ? informers.get(null) : informers.get(namespace);
        return informer == null ? Optional.empty()
                : Optional.ofNullable(informer.getStore().getByKey(namespace + "/" + name));
    }

    List<T> inNamespace(String namespace) {
        return byIndex(Cache.NAMESPACE_INDEX, namespace);
    }

    List<T> byIndex(String index, String key) {
        List<T> found = new ArrayList<>();
        informers.values().forEach(informer -> found.addAll(informer.getIndexer().byIndex(index, key)));
        return found;
    }

    List<T> all() {
        List<T> found = new ArrayList<>();
        informers.values().stream().map(informer -> informer.getStore().list()).forEach(found::addAll);
        return found;
    }


    @Override
    public void close() {
        informers.values().forEach(SharedIndexInformer::close);
    }
}

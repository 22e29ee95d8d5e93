package dev.kproxy.k8s;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The credentials a transport dials with, and the one refresh per 401 that fabric8's
 * TokenRefreshInterceptor also does: re-read the kubeconfig (re-running an exec plugin) on a single
 * helper thread, never on an event loop, and only once for all dials rejected with the same credentials.
 */
public final class CredentialRefresh implements AutoCloseable {

    private final AtomicReference<ClusterCredentials> current;
    private final ExecutorService refresher = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "kproxy-credential-refresh");
        thread.setDaemon(true);
        return thread;
    });

    public CredentialRefresh(ClusterCredentials credentials) {
        this.current = new AtomicReference<>(credentials);
    }

    public ClusterCredentials current() {
        return current.get();
    }

    /**
     * Replaces {@code rejected} with freshly read credentials (unless another dial already did), then
     * runs {@code retry}; a failed refresh goes to {@code failure} as an UNAUTHORIZED line.
     */
    public void refreshThen(ClusterCredentials rejected, Runnable retry, Consumer<PortForwardException> failure) {
        try {
            refresher.execute(() -> {
                try {
                    if (current.get() == rejected) {
                        current.compareAndSet(rejected, rejected.refresh());
                    }
                    retry.run();
                } catch (RuntimeException e) {
                    failure.accept(new PortForwardException(PortForwardException.Kind.UNAUTHORIZED,
                            "the API server rejected your credentials and refreshing them from the kubeconfig failed: "
                                    + e.getMessage(), e));
                }
            });
        } catch (RejectedExecutionException closed) {
            failure.accept(new PortForwardException(PortForwardException.Kind.UNAUTHORIZED, "transport closed during credential refresh"));
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
    }
}

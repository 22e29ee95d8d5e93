package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kproxy.sandbox.api.PodLogs;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox's only node: runs every Pod in the store as local processes, one IP per pod in
 * 127.244.0.0/16, and keeps each pod's status truthful. Services are watched too, to keep the
 * pods' hosts files current. {@link #close()} stops every container process tree and waits for it.
 */
public final class Kubelet implements AutoCloseable, PodLogs {
    /** The node name pods are bound to when nothing else bound them. */
    public static final String NODE_NAME = dev.kproxy.sandbox.admission.Admission.NODE_NAME;
    /** The node's address as pods see it ({@code status.hostIP}). */
    public static final String HOST_IP = "127.0.0.1";

    private static final System.Logger LOG = System.getLogger(Kubelet.class.getName());
    private static final java.time.Duration SYNC_PERIOD = java.time.Duration.ofSeconds(1);

    private final ObjectStore store;
    private final Path workDir;
    private final PodIpAllocator ips = new PodIpAllocator();
    private final Map<String, PodWorker> workers = new ConcurrentHashMap<>();
    private final List<Future<?>> stopping = new ArrayList<>();
    private final ScheduledExecutorService scheduler;
    private final ExecutorService blocking;
    private final KubeletContext ctx;
    private final AtomicBoolean hostsRefreshPending = new AtomicBoolean();
    private final ImageCatalog catalog;
    private volatile java.nio.file.attribute.FileTime catalogSeen;
    private final List<ObjectStore.Watch> watches = new ArrayList<>();
    private boolean started;
    private boolean closed;

    /**
     * @param workDir where pod directories go ({@code workDir/pods/...}); created if absent
     */
    public Kubelet(ObjectStore store, ImageCatalog catalog, Path workDir) {
        this.store = store;
        this.workDir = workDir.toAbsolutePath().normalize();
        this.catalog = catalog;
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(2, daemonThreads("kubelet-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.scheduler = timer;
        this.blocking = Executors.newCachedThreadPool(daemonThreads("kubelet-worker"));
        this.ctx = new KubeletContext(store, new ContainerCommand(catalog, new EnvResolver(store)), new VolumeMaterializer(store),
                new HostsFileWriter(store), new PodStatusWriter(store), scheduler, blocking, this.workDir.resolve("pods"));
    }

    /** Starts every pod already in the store and watches for more. */
    public synchronized void start() throws IOException {
        if (started || closed) {
            return;
        }
        started = true;
        Files.createDirectories(ctx.podsDir());
        long podsVersion = store.resourceVersion();
        List<ObjectNode> existing = store.list(ResourceCatalog.POD, null);
        watches.add(store.watch(ResourceCatalog.SERVICE, null, 0, e -> scheduleHostsRefresh()));
        watches.add(store.watch(ResourceCatalog.POD, null, podsVersion, this::onPodEvent));
        existing.forEach(this::podAdded);
        catalogSeen = catalog.lastModified();
        scheduler.scheduleWithFixedDelay(() -> blocking.execute(this::sync), SYNC_PERIOD.toMillis(), SYNC_PERIOD.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Periodic work: notice catalogue edits at once, and refresh ConfigMap/Secret volume files. */
    private void sync() {
        java.nio.file.attribute.FileTime modified = catalog.lastModified();
        boolean catalogueChanged = modified != null && !modified.equals(catalogSeen);
        catalogSeen = modified;
        for (PodWorker w : workers.values()) {
            if (catalogueChanged) {
                w.catalogueChanged();
            }
            w.refreshVolumes();
        }
    }

    private void onPodEvent(WatchEvent e) {
        switch (e.type()) {
            case ADDED -> podAdded(e.object());
            case MODIFIED -> {
                PodWorker w = workers.get(uid(e.object()));
                if (w != null) {
                    w.updated(e.object());
                } else {
                    podAdded(e.object());
                }
            }
            case DELETED -> podDeleted(e.object());
        }
        scheduleHostsRefresh();
    }

    private synchronized void podAdded(ObjectNode pod) {
        String uid = uid(pod);
        if (closed || uid.isEmpty() || workers.containsKey(uid) || isFinished(pod)) {
            return;
        }
        PodWorker worker = new PodWorker(ctx, pod, ips.allocate());
        workers.put(uid, worker);
        try {
            worker.start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot create the directory of pod " + worker.describe() + ": " + e.getMessage());
        }
    }

    /** A pod this kubelet did not run and that already finished (e.g. restored from a saved store) stays as it is. */
    private static boolean isFinished(ObjectNode pod) {
        String phase = pod.path("status").path("phase").asString("");
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    private synchronized void podDeleted(ObjectNode pod) {
        PodWorker worker = workers.remove(uid(pod));
        if (worker == null || closed) {
            return;
        }
        stopping.removeIf(Future::isDone);
        stopping.add(blocking.submit(() -> {
            worker.stop();
            ips.release(worker.ip());
        }));
    }

    /** Coalesces bursts of Service/Pod events into one rewrite of every pod's hosts file. */
    private void scheduleHostsRefresh() {
        if (!hostsRefreshPending.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(() -> {
                hostsRefreshPending.set(false);
                workers.values().forEach(ctx.hosts()::write);
            }, 100, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            hostsRefreshPending.set(false);
        }
    }

    @Override
    public Optional<String> read(String namespace, String podName, String container) {
        for (PodWorker w : workers.values()) {
            if (!w.namespace().equals(namespace) || !w.name().equals(podName)) {
                continue;
            }
            List<String> names = w.containerNames();
            String c = container == null || container.isEmpty() ? (names.isEmpty() ? null : names.get(0)) : container;
            if (c == null || !names.contains(c)) {
                return Optional.empty();
            }
            Path log = w.logFile(c);
            try {
                return Optional.of(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "");
            } catch (IOException e) {
                return Optional.of("");
            }
        }
        return Optional.empty();
    }

    /** The local directory of a running pod, e.g. for tools that want its hosts file or logs. */
    public Optional<Path> podDirectory(String namespace, String podName) {
        return workers.values().stream()
                .filter(w -> w.namespace().equals(namespace) && w.name().equals(podName))
                .map(PodWorker::dir)
                .findFirst();
    }

    /** Stops watching, stops every pod's processes (SIGTERM, then SIGKILL after the grace period) and waits for them. */
    @Override
    public void close() {
        List<PodWorker> toStop;
        List<Future<?>> inFlight;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            watches.forEach(ObjectStore.Watch::close);
            toStop = new ArrayList<>(workers.values());
            workers.clear();
            inFlight = new ArrayList<>(stopping);
        }
        List<Thread> stoppers = new ArrayList<>();
        for (PodWorker w : toStop) {
            Thread t = new Thread(w::stop, "kubelet-stop-" + w.name());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            joinQuietly(t);
        }
        for (Future<?> f : inFlight) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.log(System.Logger.Level.WARNING, "stopping a deleted pod failed: " + e.getCause());
            }
        }
        scheduler.shutdownNow();
        blocking.shutdownNow();
        try {
            blocking.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinQuietly(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String uid(ObjectNode pod) {
        return pod.path("metadata").path("uid").asString("");
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}

package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One pod on this "node": its IP, its directory ({@code pods/<ns>_<name>_<uid prefix>/} with
 * {@code logs/}, {@code volumes/}, {@code etc/hosts}), one {@link ContainerRunner} per container,
 * and the status it writes back to the store.
 */
final class PodWorker {
    private static final System.Logger LOG = System.getLogger(PodWorker.class.getName());
    private static final Duration MAX_GRACE = Duration.ofSeconds(3);

    private final KubeletContext ctx;
    private final String namespace;
    private final String name;
    private final String uid;
    private final String ip;
    private final Path dir;
    private final Instant startTime = Instant.now();
    private final List<ContainerRunner> inits = new ArrayList<>();
    private final List<ContainerRunner> containers = new ArrayList<>();
    private final java.util.Set<ContainerRunner> initsDone = new java.util.HashSet<>();
    private final java.util.Set<ContainerRunner> launched = new java.util.HashSet<>();
    private volatile ObjectNode pod;
    /** Guards the pod directory: nothing may write volumes after {@link #stop()} began removing it. */
    private final Object directoryLock = new Object();
    private boolean stopping;

    PodWorker(KubeletContext ctx, ObjectNode pod, String ip) {
        this.ctx = ctx;
        this.pod = pod;
        JsonNode meta = pod.path("metadata");
        this.namespace = meta.path("namespace").asString("");
        this.name = meta.path("name").asString("");
        this.uid = meta.path("uid").asString("");
        this.ip = ip;
        this.dir = ctx.podsDir().resolve(namespace + "_" + name + "_" + uid.substring(0, Math.min(8, uid.length())));
        String restartPolicy = pod.path("spec").path("restartPolicy").asString("Always");
        for (JsonNode c : pod.path("spec").path("initContainers")) {
            ContainerRole role = "Always".equals(c.path("restartPolicy").asString("")) ? ContainerRole.SIDECAR : ContainerRole.INIT;
            inits.add(new ContainerRunner(this, ctx, c, restartPolicy, role, inits.isEmpty() ? "ContainerCreating" : "PodInitializing"));
        }
        String appWaiting = inits.isEmpty() ? "ContainerCreating" : "PodInitializing";
        for (JsonNode c : pod.path("spec").path("containers")) {
            containers.add(new ContainerRunner(this, ctx, c, restartPolicy, ContainerRole.APP, appWaiting));
        }
    }

    String namespace() {
        return namespace;
    }

    String name() {
        return name;
    }

    String uid() {
        return uid;
    }

    String ip() {
        return ip;
    }

    Path dir() {
        return dir;
    }

    ObjectNode pod() {
        return pod;
    }

    /** The kubelet's way to name a pod in messages: {@code name_namespace(uid)}. */
    String describe() {
        return name + "_" + namespace + "(" + uid + ")";
    }

    /** Creates the pod directory, reports the IP, and starts the first init container or every app container. */
    void start() throws IOException {
        Files.createDirectories(dir.resolve("logs"));
        Files.createDirectories(dir.resolve("etc"));
        ctx.hosts().write(this);
        changed();
        advance();
    }

    /** An init container completed (or a sidecar started): the next one, or the app containers, may start. */
    void initStepDone(ContainerRunner runner) {
        synchronized (this) {
            initsDone.add(runner);
        }
        advance();
    }

    private synchronized void advance() {
        for (ContainerRunner init : inits) {
            if (!initsDone.contains(init)) {
                launch(init);
                return;
            }
        }
        containers.forEach(this::launch);
    }

    private void launch(ContainerRunner runner) {
        if (launched.add(runner)) {
            ctx.blocking().execute(runner::attempt);
        }
    }

    /** The pod object changed in the store; labels and annotations feed later fieldRefs and the hosts file. */
    void updated(ObjectNode latest) {
        this.pod = latest;
    }

    /** Volumes are (re)materialised on every container start, so a restart sees current ConfigMap data. */
    LaunchSpec prepare(JsonNode container) throws ContainerWaitingException {
        Map<String, Path> volumes;
        synchronized (directoryLock) {
            if (stopping) {
                throw new ContainerWaitingException("ContainerCreating", "pod " + describe() + " is being deleted");
            }
            volumes = ctx.volumes().materialize(pod, dir, ip);
        }
        return ctx.command().prepare(pod, container, ip, dir, volumes);
    }

    void catalogueChanged() {
        allContainers().forEach(ContainerRunner::catalogueChanged);
    }

    private List<ContainerRunner> allContainers() {
        List<ContainerRunner> all = new ArrayList<>(inits);
        all.addAll(containers);
        return all;
    }

    /**
     * The kubelet's periodic volume sync: running containers see ConfigMap and Secret edits in
     * their volume files (a failing source is left as it was and reported at the next start).
     */
    void refreshVolumes() {
        synchronized (directoryLock) {
            if (stopping) {
                return;
            }
            try {
                ctx.volumes().materialize(pod, dir, ip);
            } catch (ContainerWaitingException e) {
                // kept as is; the container that next starts reports it
            }
        }
    }

    Path logFile(String container) {
        return dir.resolve("logs").resolve(container + ".log");
    }

    /** App containers first (the default for logs), then init containers. */
    List<String> containerNames() {
        List<String> names = new ArrayList<>(containers.stream().map(ContainerRunner::name).toList());
        inits.forEach(i -> names.add(i.name()));
        return names;
    }

    /** min(terminationGracePeriodSeconds, 3 s): the sandbox does not let a stubborn process hold a delete for 30 s. */
    Duration gracePeriod() {
        long seconds = pod.path("spec").path("terminationGracePeriodSeconds").asLong(30);
        Duration grace = Duration.ofSeconds(Math.max(0, seconds));
        return grace.compareTo(MAX_GRACE) < 0 ? grace : MAX_GRACE;
    }

    /** Writes the current status; serialised so an older snapshot never overwrites a newer one. */
    synchronized void changed() {
        List<String> incomplete = inits.stream().filter(i -> !initsDone.contains(i)).map(ContainerRunner::name).toList();
        List<String> sidecars = inits.stream().filter(i -> i.role() == ContainerRole.SIDECAR).map(ContainerRunner::name).toList();
        ctx.status().write(this, new PodStatusWriter.Observed(startTime,
                inits.stream().map(ContainerRunner::snapshot).toList(),
                containers.stream().map(ContainerRunner::snapshot).toList(), incomplete, sidecars));
    }

    /** Stops every container in parallel and removes the pod directory; blocks until the processes are gone. */
    void stop() {
        synchronized (directoryLock) {
            stopping = true;
        }
        Duration grace = gracePeriod();
        List<Thread> stoppers = new ArrayList<>();
        for (ContainerRunner c : allContainers()) {
            Thread t = new Thread(() -> c.stop(grace), "stop-" + name + "-" + c.name());
            t.start();
            stoppers.add(t);
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        deleteDirectory();
    }

    private void deleteDirectory() {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove pod directory " + dir + ": " + e.getMessage());
        }
    }
}

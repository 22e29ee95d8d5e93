package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.JsonNode;

/**
 * The life of one container of a pod: prepare (image, env, volumes), start, probe, and restart
 * per the pod's restartPolicy with {@link RestartBackoff}. Every state change is reported to the
 * {@link PodWorker}, which writes the pod's status; the worker's lock is never taken while this
 * runner's lock is held.
 */
final class ContainerRunner {
    private final PodWorker pod;
    private final KubeletContext ctx;
    private final JsonNode container;
    private final String name;
    private final String image;
    private final String restartPolicy;
    private final ContainerRole role;
    private final RestartBackoff backoff = new RestartBackoff();

    private ContainerProcess process;
    private ProbeRunner readiness;
    private ProbeRunner liveness;
    private ProbeRunner startup;
    private boolean startupDone;
    private ScheduledFuture<?> pendingAttempt;
    private ScheduledFuture<?> tracking;
    private String imageId = "";
    private String containerId = "";
    private boolean everStarted;
    private boolean ready;
    private int restartCount;
    private Instant startedAt;
    private String waitingReason;
    private String waitingMessage = "";
    private ContainerSnapshot.Termination terminated;
    private ContainerSnapshot.Termination lastTerminated;
    private boolean stopped;

    /** @param waitingReason what the container waits with before its first attempt (ContainerCreating or PodInitializing) */
    ContainerRunner(PodWorker pod, KubeletContext ctx, JsonNode container, String restartPolicy, ContainerRole role,
                    String waitingReason) {
        this.pod = pod;
        this.ctx = ctx;
        this.container = container;
        this.name = container.path("name").asString("");
        this.image = container.path("image").asString("");
        this.restartPolicy = restartPolicy;
        this.role = role;
        this.waitingReason = waitingReason;
    }

    ContainerRole role() {
        return role;
    }

    String name() {
        return name;
    }

    synchronized ContainerSnapshot snapshot() {
        boolean running = process != null;
        return new ContainerSnapshot(name, image, imageId, containerId, running && ready, running && startupDone, restartCount,
                running ? startedAt : null,
                running || terminated != null ? null : waitingReason,
                running || terminated != null ? null : waitingMessage,
                running ? null : terminated, lastTerminated);
    }

    /** Prepares and starts the container, or records why it cannot and schedules another try. */
    void attempt() {
        synchronized (this) {
            pendingAttempt = null;
            if (stopped) {
                return;
            }
        }
        LaunchSpec spec;
        ContainerProcess started;
        try {
            spec = pod.prepare(container);
            started = ContainerProcess.start(spec, pod.logFile(name));
        } catch (ContainerWaitingException e) {
            cannotStart(e.reason(), e.getMessage());
            return;
        } catch (IOException e) {
            cannotStart("RunContainerError", e.getMessage());
            return;
        } catch (RuntimeException e) {
            // e.g. an env value with a NUL byte, which no process environment can carry
            cannotStart("RunContainerError", "cannot start container \"" + name + "\": " + e.getMessage());
            return;
        }
        boolean accepted;
        synchronized (this) {
            accepted = !stopped;
            if (accepted) {
                if (everStarted) {
                    restartCount++;
                }
                everStarted = true;
                process = started;
                startedAt = started.startedAt();
                imageId = spec.image().id();
                containerId = "sandbox://" + started.pid();
                ready = false;
                terminated = null;
                startProbes(spec);
                tracking = ctx.scheduler().scheduleWithFixedDelay(started::trackDescendants, 200, 1000, TimeUnit.MILLISECONDS);
            }
        }
        if (!accepted) {
            // The pod was deleted while this container was being started.
            started.stop(Duration.ZERO);
            return;
        }
        started.onExit().thenAcceptAsync(code -> exited(started, code), ctx.blocking());
        pod.changed();
        reportSidecarStarted();
    }

    /** A startupProbe holds back readiness and liveness until it succeeds, and kills the container if it fails. */
    private void startProbes(LaunchSpec spec) {
        JsonNode startupSpec = container.path("startupProbe");
        ContainerProcess current = process;
        if (!startupSpec.isObject()) {
            startupDone = true;
            startReadinessAndLiveness(spec, current);
            return;
        }
        startupDone = false;
        startup = ProbeRunner.forSpec(startupSpec, ProbeAction.of(startupSpec, container, pod.ip(), spec), null,
                ctx.scheduler(), ctx.blocking(), ok -> startupFinished(current, spec, ok));
        startup.start();
    }

    /** A sidecar lets the next init container start once it has started (its startupProbe passed). */
    private void reportSidecarStarted() {
        boolean started;
        synchronized (this) {
            started = role == ContainerRole.SIDECAR && process != null && startupDone;
        }
        if (started) {
            pod.initStepDone(this);
        }
    }

    private void startupFinished(ContainerProcess of, LaunchSpec spec, boolean ok) {
        synchronized (this) {
            if (process != of || startupDone) {
                return;
            }
            if (ok) {
                startupDone = true;
                startup.close();
                startup = null;
                startReadinessAndLiveness(spec, of);
            }
        }
        if (ok) {
            pod.changed();
            reportSidecarStarted();
        } else {
            of.stop(pod.gracePeriod());
        }
    }

    private void startReadinessAndLiveness(LaunchSpec spec, ContainerProcess current) {
        String ip = pod.ip();
        JsonNode readinessSpec = container.path("readinessProbe");
        if (readinessSpec.isObject()) {
            readiness = ProbeRunner.forSpec(readinessSpec, ProbeAction.of(readinessSpec, container, ip, spec), false,
                    ctx.scheduler(), ctx.blocking(), r -> readinessChanged(current, r));
        } else {
            readiness = new ProbeRunner(ProbeAction.portsOpen(container, ip), Duration.ZERO, Duration.ofMillis(250),
                    Duration.ofSeconds(1), 1, Integer.MAX_VALUE, false, ctx.scheduler(), ctx.blocking(),
                    r -> readinessChanged(current, r));
        }
        readiness.start();
        JsonNode livenessSpec = container.path("livenessProbe");
        if (livenessSpec.isObject()) {
            liveness = ProbeRunner.forSpec(livenessSpec, ProbeAction.of(livenessSpec, container, ip, spec), true,
                    ctx.scheduler(), ctx.blocking(), alive -> livenessChanged(current, alive));
            liveness.start();
        }
    }

    private void readinessChanged(ContainerProcess of, boolean nowReady) {
        synchronized (this) {
            if (process != of || ready == nowReady) {
                return;
            }
            ready = nowReady;
        }
        pod.changed();
    }

    /** A failed liveness probe kills the container; the exit then restarts it as any exit would. */
    private void livenessChanged(ContainerProcess of, boolean alive) {
        synchronized (this) {
            if (alive || process != of) {
                return;
            }
        }
        of.stop(pod.gracePeriod());
    }

    private void exited(ContainerProcess of, int exitCode) {
        of.killOrphans();
        synchronized (this) {
            if (process != of) {
                return;
            }
            closeProbes();
            process = null;
            ready = false;
            ContainerSnapshot.Termination t = ContainerSnapshot.Termination.of(exitCode, of.startedAt(), containerId);
            if (stopped) {
                terminated = t;
                return;
            }
            if (!role.restarts(restartPolicy, exitCode)) {
                terminated = t;
            } else {
                lastTerminated = t;
                Duration delay = backoff.next(Duration.between(of.startedAt(), t.finishedAt()));
                waitingReason = "CrashLoopBackOff";
                waitingMessage = "back-off " + delay.toSeconds() + "s restarting failed container=" + name + " pod=" + pod.describe();
                scheduleAttempt(delay);
            }
        }
        pod.changed();
        if (role == ContainerRole.INIT && exitCode == 0) {
            pod.initStepDone(this);
        }
    }

    private void cannotStart(String reason, String message) {
        synchronized (this) {
            if (stopped) {
                return;
            }
            Duration delay = backoff.next(Duration.ZERO);
            waitingReason = reason;
            waitingMessage = message;
            scheduleAttempt(delay);
            if ("ErrImagePull".equals(reason)) {
                // The kubelet reports the failed pull once, then ImagePullBackOff while it waits to retry.
                ctx.scheduler().schedule(() -> imagePullBackOff(message), Math.min(500, delay.toMillis() / 2), TimeUnit.MILLISECONDS);
            }
        }
        pod.changed();
    }

    private void imagePullBackOff(String message) {
        synchronized (this) {
            if (stopped || process != null || !"ErrImagePull".equals(waitingReason)) {
                return;
            }
            waitingReason = "ImagePullBackOff";
            waitingMessage = message;
        }
        pod.changed();
    }

    /**
     * The catalogue file changed: a container waiting on an image error, or on a command that could
     * not start, is tried again now rather than at the end of its backoff.
     */
    void catalogueChanged() {
        synchronized (this) {
            boolean imageProblem = "ErrImagePull".equals(waitingReason) || "ImagePullBackOff".equals(waitingReason)
                    || "RunContainerError".equals(waitingReason);
            if (stopped || process != null || pendingAttempt == null || !imageProblem || !pendingAttempt.cancel(false)) {
                return;
            }
            scheduleAttempt(Duration.ZERO);
        }
    }

    private void scheduleAttempt(Duration delay) {
        try {
            pendingAttempt = ctx.scheduler().schedule(() -> ctx.blocking().execute(this::attempt), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            stopped = true;
        }
    }

    private void closeProbes() {
        if (startup != null) {
            startup.close();
            startup = null;
        }
        if (readiness != null) {
            readiness.close();
            readiness = null;
        }
        if (liveness != null) {
            liveness.close();
            liveness = null;
        }
        if (tracking != null) {
            tracking.cancel(false);
            tracking = null;
        }
    }

    /** Stops retrying and stops the process tree (SIGTERM, SIGKILL after {@code grace}); blocks until it is gone. */
    void stop(Duration grace) {
        ContainerProcess running;
        synchronized (this) {
            stopped = true;
            if (pendingAttempt != null) {
                pendingAttempt.cancel(false);
            }
            closeProbes();
            running = process;
        }
        if (running != null) {
            running.stop(grace);
            running.killOrphans();
        }
    }

    Path logFile() {
        return pod.logFile(name);
    }
}

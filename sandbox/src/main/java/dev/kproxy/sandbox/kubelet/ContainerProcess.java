package dev.kproxy.sandbox.kubelet;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of a container: a child process (and whatever it forks) with stdout and stderr
 * appended to the container's log file and stdin from /dev/null. The process tree is tracked
 * while it runs, because children of a process that dies are re-parented away from the sandbox
 * and {@link ProcessHandle#descendants()} no longer finds them.
 */
final class ContainerProcess {
    private final Process process;
    private final Instant startedAt;
    private final Set<ProcessHandle> known = new LinkedHashSet<>();

    private ContainerProcess(Process process) {
        this.process = process;
        this.startedAt = Instant.now();
    }

    /** @throws IOException with the OS message when the program cannot be executed */
    static ContainerProcess start(LaunchSpec spec, Path logFile) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(spec.argv())
                .directory(spec.workingDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(spec.env());
        return new ContainerProcess(pb.start());
    }

    long pid() {
        return process.pid();
    }

    Instant startedAt() {
        return startedAt;
    }

    /** Completes with the exit code (128 + signal for a signalled process, as a runtime reports it). */
    CompletableFuture<Integer> onExit() {
        return process.onExit().thenApply(Process::exitValue);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Remembers the current descendants, so they can still be stopped after their parent is gone. */
    synchronized void trackDescendants() {
        known.removeIf(h -> !h.isAlive());
        process.descendants().forEach(known::add);
    }

    /**
     * SIGTERM to the whole tree, SIGKILL to whatever is left after {@code grace}; returns once
     * every process of the tree has exited.
     */
    void stop(Duration grace) {
        List<ProcessHandle> tree = tree();
        tree.forEach(ProcessHandle::destroy);
        if (!awaitExit(tree, grace)) {
            List<ProcessHandle> left = tree();
            left.forEach(ProcessHandle::destroyForcibly);
            awaitExit(left, Duration.ofSeconds(5));
        }
    }

    /** Kills descendants that outlived the container's main process (it exited or was killed by itself). */
    void killOrphans() {
        List<ProcessHandle> left = tree();
        left.forEach(ProcessHandle::destroyForcibly);
        awaitExit(left, Duration.ofSeconds(5));
    }

    private synchronized List<ProcessHandle> tree() {
        Set<ProcessHandle> all = new LinkedHashSet<>();
        all.add(process.toHandle());
        process.descendants().forEach(all::add);
        for (ProcessHandle h : known) {
            all.add(h);
            h.descendants().forEach(all::add);
        }
        known.addAll(all);
        List<ProcessHandle> alive = new ArrayList<>();
        for (ProcessHandle h : all) {
            if (h.isAlive()) {
                alive.add(h);
            }
        }
        return alive;
    }

    private static boolean awaitExit(List<ProcessHandle> handles, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (ProcessHandle h : handles) {
            long left = deadline - System.nanoTime();
            try {
                h.onExit().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (ExecutionException e) {
                // onExit never fails; an odd handle is treated as gone.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}

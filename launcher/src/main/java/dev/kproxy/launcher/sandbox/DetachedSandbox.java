package dev.kproxy.launcher.sandbox;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.kproxy.launcher.BackgroundJvm;
import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;

/**
 * {@code kproxy sandbox up --detach}: runs the same command in a background JVM whose output goes
 * to {@code $KPROXY_HOME/sandbox/sandbox.log}, and returns once it reports every workload ready.
 */
final class DetachedSandbox {
    private final KproxyHome home;
    private final PrintWriter out;

    DetachedSandbox(KproxyHome home, PrintWriter out) {
        this.home = home;
        this.out = out;
    }

    void start(List<String> upArgs, Duration timeout) {
        Path log = SandboxState.dir(home).resolve("sandbox.log");
        truncate(log);
        Process process = BackgroundJvm.start(upArgs, log);
        Instant deadline = Instant.now().plus(timeout).plusSeconds(15);
        boolean announced = false;
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new UserError("the sandbox stopped during start-up: " + BackgroundJvm.lastLine(log) + " (full log: " + log + ")");
            }
            Optional<SandboxState> state = SandboxState.read(home).filter(s -> s.pid() == process.pid());
            if (state.isPresent() && !announced) {
                out.println("Sandbox API server " + state.get().apiServer() + " (pid " + process.pid() + ", log " + log + ")");
                out.println("kubeconfig: " + state.get().kubeconfig() + "   (export KUBECONFIG=" + state.get().kubeconfig() + ")");
                out.flush();
                announced = true;
            }
            if (state.isPresent() && state.get().ready()) {
                out.println("Ready. Stop with `kproxy sandbox down`.");
                out.flush();
                return;
            }
            sleep();
        }
        process.destroy();
        throw new UserError("the sandbox did not become ready in time: " + BackgroundJvm.lastLine(log) + " (full log: " + log + ")");
    }

    private static void truncate(Path log) {
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            throw new UserError("cannot write " + log + ": " + e.getMessage());
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        }
    }
}

package dev.kproxy.launcher.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "down", description = "Stop the running sandbox and every pod process it started.")
public final class SandboxDown implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        KproxyHome home = KproxyHome.resolve();
        Optional<SandboxState> state = SandboxState.read(home);
        if (state.isEmpty()) {
            spec.commandLine().getOut().println("No sandbox is running.");
            return;
        }
        SandboxState s = state.get();
        try {
            SandboxClient.fromKubeconfig(s.kubeconfig()).shutdown();
        } catch (UserError unreachable) {
            // The API may be wedged or the kubeconfig gone: fall back to a signal, which runs the same shutdown hook.
            ProcessHandle.of(s.pid()).ifPresent(ProcessHandle::destroy);
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        Optional<ProcessHandle> process = ProcessHandle.of(s.pid());
        while (process.isPresent() && process.get().isAlive()) {
            if (Instant.now().isAfter(deadline)) {
                throw new UserError("the sandbox (pid " + s.pid() + ") did not stop within 30s; kill it with `kill " + s.pid() + "`");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        spec.commandLine().getOut().println("Sandbox stopped (pid " + s.pid() + ").");
    }
}

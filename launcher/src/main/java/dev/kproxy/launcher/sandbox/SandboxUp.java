package dev.kproxy.launcher.sandbox;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.DurationConverter;
import dev.kproxy.launcher.UserError;
import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up",
        description = {"Start a sandbox cluster, apply manifests and run until `kproxy sandbox down` or Ctrl-C.",
                "Prints the kubeconfig to use with kubectl and kproxy."})
public final class SandboxUp implements Runnable {

    @Option(names = {"-f", "--filename"}, paramLabel = "FILE", description = "Kubernetes YAML to apply (repeatable)")
    List<Path> files = new ArrayList<>();

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Where to write the kubeconfig (default: $KPROXY_HOME/sandbox/kubeconfig)")
    Path kubeconfig;

    @Option(names = "--images", paramLabel = "FILE",
            description = "Image catalogue: image -> local command (default: the nearest sandbox-images.yaml above the first -f file)")
    Path images;

    @Option(names = "--port", paramLabel = "PORT", description = "API server port on 127.0.0.1 (default: any free port)")
    int port;

    @Option(names = "--latency", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Delay added to every port-forward round trip, e.g. 20ms, to mimic a remote cluster")
    Duration latency = Duration.ZERO;

    @Option(names = "--detach", description = "Start in the background and return once every workload is ready")
    boolean detach;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to wait for workloads to become ready (default: ${DEFAULT-VALUE})")
    Duration timeout = Duration.ofSeconds(120);

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        KproxyHome home = KproxyHome.resolve();
        SandboxState.read(home).ifPresent(s -> {
            throw new UserError("a sandbox is already running (pid " + s.pid() + ", " + s.apiServer()
                    + "); stop it with `kproxy sandbox down`");
        });
        Path dir = SandboxState.dir(home);
        Path kc = kubeconfig != null ? kubeconfig.toAbsolutePath() : dir.resolve("kubeconfig");
        Path catalogue = images != null ? images.toAbsolutePath() : defaultCatalogue().orElse(null);
        if (detach) {
            new DetachedSandbox(home, spec.commandLine().getOut()).start(argsWithoutDetach(kc), timeout);
            return;
        }
        runForeground(home, dir, kc, catalogue);
    }

    private void runForeground(KproxyHome home, Path dir, Path kc, Path catalogue) {
        PrintWriter out = spec.commandLine().getOut();
        SandboxConfig config = SandboxConfig.builder()
                .apiPort(port)
                .kubeconfig(kc)
                .workDir(dir.resolve("run"))
                .imageCatalogue(catalogue)
                .portForwardLatency(latency)
                .build();
        long pid = ProcessHandle.current().pid();
        try (Sandbox sandbox = Sandbox.start(config)) {
            sandbox.apply(files);
            new SandboxState(pid, sandbox.apiServer(), kc, false).write(home);
            out.println("Sandbox API server " + sandbox.apiServer() + " (pid " + pid + ")");
            out.println("kubeconfig: " + kc + "   (export KUBECONFIG=" + kc + ")");
            if (catalogue != null) {
                out.println("image catalogue: " + catalogue);
            }
            out.flush();
            awaitReady(sandbox, out);
            new SandboxState(pid, sandbox.apiServer(), kc, true).write(home);
            out.println("Ready. Stop with `kproxy sandbox down` or Ctrl-C.");
            out.flush();
            sandbox.awaitShutdownRequest();
        } catch (IOException e) {
            throw new UserError("cannot start the sandbox: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            SandboxState.remove(home, pid);
        }
    }

    private void awaitReady(Sandbox sandbox, PrintWriter out) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        String last = "";
        while (true) {
            List<String> waiting = sandbox.unreadyWorkloads();
            if (waiting.isEmpty()) {
                return;
            }
            String now = String.join("; ", waiting);
            if (!now.equals(last)) {
                out.println("waiting: " + now);
                out.flush();
                last = now;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new UserError("workloads not ready after " + timeout.toSeconds() + "s: " + now);
            }
            Thread.sleep(250);
        }
    }

    /** The catalogue that sits with the manifests: the first sandbox-images.yaml walking up from the first file. */
    private Optional<Path> defaultCatalogue() {
        if (files.isEmpty()) {
            return Optional.empty();
        }
        for (Path d = files.get(0).toAbsolutePath().getParent(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("sandbox-images.yaml");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private List<String> argsWithoutDetach(Path kc) {
        List<String> args = new ArrayList<>(List.of("sandbox", "up", "--kubeconfig", kc.toString(),
                "--port", Integer.toString(port), "--latency", latency.toMillis() + "ms",
                "--timeout", timeout.toSeconds() + "s"));
        if (images != null) {
            args.addAll(List.of("--images", images.toAbsolutePath().toString()));
        }
        for (Path f : files) {
            args.addAll(List.of("-f", f.toAbsolutePath().toString()));
        }
        return args;
    }
}

package dev.kproxy.sandbox.network;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code kubectl port-forward} process: waits for its "Forwarding from" line, keeps its
 * stderr, and stops it on close. {@code websockets=false} sets
 * {@code KUBECTL_PORT_FORWARD_WEBSOCKETS=false}, which makes kubectl use the plain SPDY upgrade.
 */
final class KubectlPortForward implements AutoCloseable {
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    private static final Pattern FORWARDING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> \\d+");

    private final Process process;
    private final CompletableFuture<Integer> localPort = new CompletableFuture<>();
    private final StringBuffer stdout = new StringBuffer();
    private final StringBuffer stderr = new StringBuffer();

    /** True when kubectl is installed; tests print why they skip otherwise. */
    static boolean available() {
        return Files.isExecutable(KUBECTL);
    }

    /** Starts {@code kubectl port-forward TARGET :REMOTE} on a free loopback port and waits until it listens. */
    static KubectlPortForward start(Path kubeconfig, String namespace, String target, int remotePort, boolean websockets,
                                    Duration wait) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", kubeconfig.toString(),
                "--namespace", namespace, "port-forward", "--address", "127.0.0.1", target, ":" + remotePort));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("KUBECTL_PORT_FORWARD_WEBSOCKETS", Boolean.toString(websockets));
        KubectlPortForward pf = new KubectlPortForward(pb.start());
        try {
            pf.localPort.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            pf.close();
            throw new IllegalStateException("kubectl port-forward did not start: stdout=" + pf.stdout + " stderr=" + pf.stderr);
        }
        return pf;
    }

    private KubectlPortForward(Process process) {
        this.process = process;
        pump(process.getInputStream(), line -> {
            stdout.append(line).append('\n');
            Matcher m = FORWARDING.matcher(line);
            if (m.find()) {
                localPort.complete(Integer.parseInt(m.group(1)));
            }
        });
        pump(process.getErrorStream(), line -> stderr.append(line).append('\n'));
        process.onExit().thenRun(() -> localPort.completeExceptionally(new IllegalStateException("kubectl exited")));
    }

    private static void pump(InputStream in, Consumer<String> lines) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        }, "kubectl-output");
        t.setDaemon(true);
        t.start();
    }

    int localPort() {
        return localPort.join();
    }

    String stderr() {
        return stderr.toString();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}

package dev.kproxy.launcher.intercept;

import dev.kproxy.intercept.InterceptInstaller;
import dev.kproxy.intercept.InterceptSpec;
import dev.kproxy.launcher.connect.ConnectOptions;
import dev.kproxy.launcher.connect.Outbound;
import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.testpods.EchoPod;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.awaitility.Awaitility.await;

/**
 * Not a test: numbers for docs/benchmarks.md ("Inbound"). For each injected port-forward delay (none, then
 * {@code SandboxConfig.portForwardLatency}), starts a sandbox in this JVM with one echo pod behind a NodePort
 * Service, an {@link Outbound} session and an {@link InterceptManager} on it, and measures echo throughput
 * (one connection, N MiB each way) and request latency (1 KiB echoed, on a fresh connection and on a kept
 * one) along four paths:
 * <ol>
 * <li><b>direct</b>: NodePort → app, no agent (the baseline for latency);</li>
 * <li><b>outbound</b>: kproxy's SOCKS port → port-forward → app (what {@code kproxy connect} gives);</li>
 * <li><b>passthrough</b>: NodePort → agent → app, agent installed but no laptop attached;</li>
 * <li><b>tunnel</b>: NodePort → agent → tunnel (a port-forward) → daemon → echo server on the laptop.</li>
 * </ol>
 * and prints tunnel / outbound (target ≥ 0.5) and tunnel / passthrough.
 */
public final class InboundBenchmark {
    private static final int MIB = 1 << 20;
    private static final String NS = "bench";
    private static final int NODE_PORT = 30777;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int delayMillis = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        for (int delay : List.of(0, delayMillis)) {
            run(megabytes, requests, Duration.ofMillis(delay));
        }
    }

    private interface Connector {
        Socket connect() throws IOException;
    }

    private static void run(int megabytes, int requests, Duration delay) throws Exception {
        Path dir = Files.createTempDirectory("kproxy-inbound-bench");
        Path catalogue = Files.writeString(dir.resolve("images.yaml"), Files.readString(InterceptCluster.EXAMPLES.resolve("sandbox-images.yaml"))
                + """
                  test.kproxy.dev/echo:
                    entrypoint: ["${JAVA}", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m", "-cp", "%s", "%s"]
                    env: {BIND_ADDRESS: "${POD_IP}"}
                """.formatted(classesOf(EchoPod.class), EchoPod.class.getName()));
        Path manifest = Files.writeString(dir.resolve("bench.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: bench}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: echo, namespace: bench}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: echo}}
                  template:
                    metadata: {labels: {app: echo}}
                    spec:
                      containers:
                        - name: echo
                          image: test.kproxy.dev/echo:1
                          ports: [{containerPort: 7000}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: echo, namespace: bench}
                spec:
                  type: NodePort
                  selector: {app: echo}
                  ports: [{name: echo, port: 7000, targetPort: 7000, nodePort: %d}]
                """.formatted(NODE_PORT));
        try (Sandbox sandbox = Sandbox.start(SandboxConfig.builder().kubeconfig(dir.resolve("kubeconfig")).workDir(dir.resolve("run"))
                .imageCatalogue(catalogue).portForwardLatency(delay).build())) {
            sandbox.apply(List.of(manifest));
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300)).until(() -> sandbox.unreadyWorkloads().isEmpty());
            try (Outbound outbound = Outbound.start(ConnectOptions.of(sandbox.kubeconfig(), NS));
                 InterceptManager manager = new InterceptManager(outbound.client(), outbound.transport(), NS);
                 EchoServer laptop = EchoServer.start(0)) {
                System.out.printf("%n== injected port-forward delay %d ms; %d MiB per throughput run, %d requests per latency run%n",
                        delay.toMillis(), megabytes, requests);
                Connector nodePort = () -> new Socket("127.0.0.1", NODE_PORT);
                Connector socks = () -> {
                    Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", outbound.proxyPort())));
                    s.connect(InetSocketAddress.createUnresolved("echo.bench", 7000), 30_000);
                    return s;
                };
                Result direct = measure("direct (NodePort -> app)", nodePort, megabytes, requests);
                Result viaOutbound = measure("outbound (SOCKS -> port-forward -> app)", socks, megabytes, requests);

                new InterceptInstaller(outbound.client()).install(InterceptSpec.of(NS, "echo"));
                awaitSettled(sandbox);
                Result passthrough = measure("passthrough (NodePort -> agent -> app)", nodePort, megabytes, requests);

                manager.commands().get("intercept").apply(new InterceptRequest("echo", java.util.Optional.of(NS), java.util.Optional.empty(),
                        java.util.Optional.empty(), laptop.port(), java.util.Optional.empty(), java.util.List.of(),
                        java.util.Optional.empty(), false, 0).toJson("intercept"));
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    JsonNode s = manager.commands().get("intercept-status").apply(JSON.createObjectNode().put("name", "echo"));
                    return s.path("attachedPods").asInt() >= 1 && s.path("attachedPods").asInt() >= s.path("agentPods").asInt();
                });
                Result tunnel = measure("tunnel (NodePort -> agent -> tunnel -> laptop)", nodePort, megabytes, requests);
                if (laptop.connections() == 0) {
                    throw new IllegalStateException("the tunnel measurements did not reach the laptop");
                }
                System.out.printf("ratio tunnel / outbound throughput: %.2f (target >= 0.5); tunnel / passthrough: %.2f%n",
                        tunnel.mbPerSecond / viaOutbound.mbPerSecond, tunnel.mbPerSecond / passthrough.mbPerSecond);
                System.out.printf("added per request on a fresh connection vs direct: agent %.2f ms, agent+tunnel %.2f ms, outbound %.2f ms%n",
                        passthrough.freshMillis - direct.freshMillis, tunnel.freshMillis - direct.freshMillis,
                        viaOutbound.freshMillis - direct.freshMillis);
                System.out.printf("added per request on a kept connection vs direct: agent %.3f ms, agent+tunnel %.3f ms, outbound %.3f ms%n",
                        passthrough.keptMillis - direct.keptMillis, tunnel.keptMillis - direct.keptMillis,
                        viaOutbound.keptMillis - direct.keptMillis);
                manager.commands().get("leave").apply(JSON.createObjectNode().put("name", "echo"));
            }
        }
    }

    private record Result(double mbPerSecond, double freshMillis, double keptMillis) {
    }

    private static void awaitSettled(Sandbox sandbox) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300)).until(() -> sandbox.unreadyWorkloads().isEmpty()
                && sandbox.store().list(dev.kproxy.sandbox.store.ResourceCatalog.POD, NS).stream()
                .noneMatch(p -> p.path("metadata").has("deletionTimestamp")));
    }

    /** Two rounds; the first warms the JIT and is not printed. */
    private static Result measure(String path, Connector connector, int megabytes, int requests) throws Exception {
        Result result = null;
        for (int round = 0; round < 2; round++) {
            double mb = echoThroughput(connector, round == 0 ? Math.max(8, megabytes / 8) : megabytes);
            double fresh = freshRequests(connector, round == 0 ? 20 : requests);
            double kept = keptRequests(connector, round == 0 ? 100 : 5 * requests);
            result = new Result(mb, fresh, kept);
        }
        System.out.printf("%-48s echo %7.1f MB/s each way   request: fresh connection %6.2f ms, kept connection %6.3f ms%n",
                path, result.mbPerSecond, result.freshMillis, result.keptMillis);
        return result;
    }

    /** One connection: a writer sends N MiB while this thread reads the echo; MB/s of payload each way. */
    private static double echoThroughput(Connector connector, int megabytes) throws Exception {
        try (Socket s = connector.connect()) {
            s.setSoTimeout(120_000);
            long start = System.nanoTime();
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'k');
                try {
                    OutputStream out = s.getOutputStream();
                    for (long left = (long) megabytes * MIB; left > 0; left -= chunk.length) {
                        out.write(chunk, 0, (int) Math.min(left, chunk.length));
                    }
                    // No half-close: a v4 port-forward stream cannot carry one (the outbound path would end early).
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            long expected = (long) megabytes * MIB;
            for (int n; total < expected && (n = in.read(buffer)) >= 0; ) {
                total += n;
            }
            writer.get();
            if (total != (long) megabytes * MIB) {
                throw new IOException("echoed " + total + " of " + (long) megabytes * MIB + " bytes");
            }
            return total / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Mean ms for: connect, send 1 KiB, read the 1 KiB echo, close. */
    private static double freshRequests(Connector connector, int count) throws IOException {
        byte[] request = new byte[1024];
        long total = 0;
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            try (Socket s = connector.connect()) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(30_000);
                s.getOutputStream().write(request);
                if (s.getInputStream().readNBytes(request.length).length != request.length) {
                    throw new IOException("short echo");
                }
            }
            total += System.nanoTime() - start;
        }
        return total / 1e6 / count;
    }

    /** Mean ms for one 1 KiB round trip on one kept connection. */
    private static double keptRequests(Connector connector, int count) throws IOException {
        byte[] request = new byte[1024];
        try (Socket s = connector.connect()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                s.getOutputStream().write(request);
                if (s.getInputStream().readNBytes(request.length).length != request.length) {
                    throw new IOException("short echo");
                }
            }
            return (System.nanoTime() - start) / 1e6 / count;
        }
    }

    private static String classesOf(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}

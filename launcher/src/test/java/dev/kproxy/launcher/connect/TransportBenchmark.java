package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.spdy.TransportMode;
import io.fabric8.kubernetes.client.LocalPortForward;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Not a test: the port-forward transports side by side, for docs/benchmarks.md. For each injected
 * sandbox latency (default 0 and 20 ms), one sandbox (sage story + echo pod) and these paths to the
 * echo pod: kproxy's SOCKS port with each pinned transport (tunnel, spdy, websocket), real
 * {@code kubectl port-forward} (WebSocket tunnel, and plain SPDY with
 * {@code KUBECTL_PORT_FORWARD_WEBSOCKETS=false}), fabric8's {@link LocalPortForward}, and raw
 * loopback TCP to the pod. Per path: new-connection open latency p50/p99 (connect + 1-byte echo),
 * one stream's echo throughput (MB/s each way), and 64 concurrent echo streams' total; with the
 * sandbox in its own process, also the CPU each side spent per GiB ({@link CpuMeter}). Then the
 * issue targets as ratios measured in the same run.
 *
 * <p>Arguments: MiB per single-stream run (64), opens per path (200), latencies in ms ("0,20").
 */
public final class TransportBenchmark {
    private static final int MIB = 1 << 20;
    private static final Pattern FORWARDING = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+) -> (\\d+)");

    /** Opens in ms, throughput in MB/s each way, CPU in seconds per GiB carried each way (NaN: not measured). */
    record Figures(double openP50, double openP99, double oneStream, double concurrent, double clientCpu, double sandboxCpu) {
        static Figures median(List<Figures> rounds) {
            return new Figures(median(rounds, Figures::openP50), median(rounds, Figures::openP99),
                    median(rounds, Figures::oneStream), median(rounds, Figures::concurrent),
                    median(rounds, Figures::clientCpu), median(rounds, Figures::sandboxCpu));
        }

        private static double median(List<Figures> rounds, java.util.function.ToDoubleFunction<Figures> figure) {
            return BenchRounds.median(rounds.stream().mapToDouble(figure).toArray());
        }
    }

    private interface Connector {
        Socket open() throws IOException;
    }

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int opens = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        String latencies = args.length > 2 ? args[2] : "0,20";
        boolean split = args.length > 3 && args[3].equals("split");
        System.out.printf("machine: %d cores, %s %s; %d MiB per stream, %d opens per path%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                megabytes, opens);
        for (String latency : latencies.split(",")) {
            run(Duration.ofMillis(Long.parseLong(latency.strip())), megabytes, opens, split);
        }
    }

    /** {@code split}: the sandbox in a process of its own on its own core ({@link SeparateStoryCluster}). */
    private static void run(Duration latency, int megabytes, int opens, boolean split) throws Exception {
        Path dir = Files.createTempDirectory("kproxy-transport-bench");
        List<AutoCloseable> closing = new ArrayList<>();
        try (BenchCluster cluster = split ? SeparateStoryCluster.start(latency) : StoryCluster.start(dir, latency)) {
            try {
                measure(cluster, latency, megabytes, opens, closing);
            } finally {
                // Before the cluster's client closes: fabric8's forward needs it to stop cleanly.
                for (int i = closing.size() - 1; i >= 0; i--) {
                    try {
                        closing.get(i).close();
                    } catch (Exception e) {
                        System.err.println("closing: " + e);
                    }
                }
            }
        }
    }

    private static void measure(BenchCluster cluster, Duration latency, int megabytes, int opens, List<AutoCloseable> closing)
            throws Exception {
        {
            Path kubeconfig = cluster.kubeconfig();
            var pod = cluster.echoPod();
            String podName = pod.getMetadata().getName();
            String podIp = pod.getStatus().getPodIP();
            Map<String, Connector> paths = new LinkedHashMap<>();
            Map<String, OptionalLong> clientProcesses = new HashMap<>();
            for (TransportMode mode : List.of(TransportMode.TUNNEL, TransportMode.SPDY, TransportMode.WEBSOCKET)) {
                Outbound outbound = Outbound.start(ConnectOptions.of(kubeconfig, StoryCluster.NS).withTransport(mode));
                closing.add(outbound);
                paths.put("kproxy " + mode.label(), () -> Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7000));
            }
            for (boolean websockets : List.of(true, false)) {
                KubectlForward kubectl = KubectlForward.start(kubeconfig, podName, websockets);
                if (kubectl != null) {
                    closing.add(kubectl);
                    String name = websockets ? "kubectl (tunnel)" : "kubectl (spdy)";
                    paths.put(name, () -> new Socket("127.0.0.1", kubectl.port));
                    clientProcesses.put(name, OptionalLong.of(kubectl.process.pid()));
                }
            }
            paths.put("raw loopback", () -> new Socket(podIp, 7000));
            // Last: fabric8 keeps each connection's WebSocket, and so the pod's socket and thread,
            // open after the local client closed, until the LocalPortForward closes (checked: 100
            // opens leave 100 established pod sockets); the echo pod's heap is sized for that.
            LocalPortForward fabric8 = cluster.client().pods().inNamespace(StoryCluster.NS).withName(podName).portForward(7000);
            closing.add(fabric8);
            paths.put("fabric8 LocalPortForward", () -> new Socket("127.0.0.1", fabric8.getLocalPort()));

            // -Dbench.paths=REGEX measures only the matching paths (e.g. under a profiler); no verdicts then.
            String only = System.getProperty("bench.paths");
            if (only != null) {
                paths.keySet().removeIf(name -> !name.matches(only));
            }
            System.out.printf("%n== injected port-forward latency %d ms ==%n", latency.toMillis());
            // Rounds as BenchRounds says. The warm-up serves the sandbox (measured first, kproxy
            // would otherwise pay for the sandbox's warm-up too) and kubectl's connection as well.
            Map<String, List<Figures>> rounds = new LinkedHashMap<>();
            CpuMeter cpu = new CpuMeter(cluster.sandboxPid());
            List<Map.Entry<String, Connector>> order = new ArrayList<>(paths.entrySet());
            for (int round = 0; round <= BenchRounds.MEASURED; round++) {
                // fabric8 stays last and the others start one later each round: the path that
                // follows fabric8 pays for the sandbox's clean-up after it (docs/benchmarks.md,
                // session 8), and rotated, that charge falls on a different path in each round.
                List<Map.Entry<String, Connector>> turn = new ArrayList<>(order.subList(0, order.size() - 1));
                Collections.rotate(turn, -round);
                turn.add(order.get(order.size() - 1));
                for (Map.Entry<String, Connector> path : turn) {
                    // With injected latency an open is mostly waiting; a tenth of the warm-up opens will do.
                    int warmUpOpens = latency.isZero() ? BenchRounds.WARM_UP_OPENS : BenchRounds.WARM_UP_OPENS / 10;
                    double[] open = opens(path.getValue(), round == 0 ? warmUpOpens : opens);
                    int mib = round == 0 ? BenchRounds.WARM_UP_MIB : megabytes;
                    OptionalLong process = clientProcesses.getOrDefault(path.getKey(), OptionalLong.empty());
                    CpuMeter.Reading before = cpu.read(process);
                    double one = echo(path.getValue(), mib);
                    double many = concurrent(path.getValue(), 64, mib);
                    double[] cpuPerGiB = cpu.read(process).since(before).perGiB(2.0 * mib / 1024); // each way, over both runs
                    if (round > 0) {
                        rounds.computeIfAbsent(path.getKey(), k -> new ArrayList<>())
                                .add(new Figures(open[0], open[1], one, many, cpuPerGiB[0], cpuPerGiB[1]));
                    }
                }
            }
            Map<String, Figures> results = new LinkedHashMap<>();
            paths.keySet().forEach(path -> {
                Figures f = Figures.median(rounds.get(path));
                results.put(path, f);
                System.out.printf("%-26s open p50 %7.2f ms  p99 %7.2f ms   1 stream %7.1f MB/s each way   64 streams %7.1f MB/s each way%s%n",
                        path, f.openP50(), f.openP99(), f.oneStream(), f.concurrent(), Double.isNaN(f.clientCpu()) ? ""
                                : String.format("   CPU per GiB each way: client %5.2f s, sandbox %5.2f s", f.clientCpu(), f.sandboxCpu()));
            });
            if (only == null) {
                targets(results);
            }
        }
    }

    private static void targets(Map<String, Figures> r) {
        Figures kproxy = r.get("kproxy tunnel");
        Figures ws = r.get("kproxy websocket");
        Figures fabric8 = r.get("fabric8 LocalPortForward");
        System.out.println("targets (kproxy = the default transport, tunnel):");
        for (String kubectl : List.of("kubectl (tunnel)", "kubectl (spdy)")) {
            Figures k = r.get(kubectl);
            if (k == null) {
                System.out.println("  " + kubectl + ": kubectl not found, not compared");
                continue;
            }
            verdict("open p50 kproxy / " + kubectl + " (target <= 1)", kproxy.openP50() / k.openP50(), 1, true);
            verdict("1-stream throughput kproxy / " + kubectl + " (target >= 1)", kproxy.oneStream() / k.oneStream(), 1, false);
            verdict("64-stream throughput kproxy / " + kubectl + " (target >= 1)", kproxy.concurrent() / k.concurrent(), 1, false);
        }
        verdict("open p50 kproxy / per-connection websocket (target <= 0.33)", kproxy.openP50() / ws.openP50(), 1 / 3.0, true);
        verdict("1-stream throughput kproxy / fabric8 (issue 3 target >= 2)", kproxy.oneStream() / fabric8.oneStream(), 2, false);
        verdict("64-stream throughput kproxy / fabric8 (>= 2)", kproxy.concurrent() / fabric8.concurrent(), 2, false);
        if (!Double.isNaN(kproxy.clientCpu())) {
            // No targets: when the sandbox's core holds every path's MB/s, these say which client is cheaper per byte.
            System.out.println("costs per byte (no target; below 1 = kproxy cheaper):");
            for (String kubectl : List.of("kubectl (tunnel)", "kubectl (spdy)")) {
                Figures k = r.get(kubectl);
                if (k != null) {
                    System.out.printf("  %-66s %6.2f%n", "client CPU kproxy / " + kubectl, kproxy.clientCpu() / k.clientCpu());
                    System.out.printf("  %-66s %6.2f%n", "sandbox CPU kproxy / " + kubectl, kproxy.sandboxCpu() / k.sandboxCpu());
                }
            }
        }
    }

    private static void verdict(String what, double ratio, double target, boolean atMost) {
        boolean met = atMost ? ratio <= target : ratio >= target;
        System.out.printf("  %-66s %6.2f  %s%n", what, ratio, met ? "met" : "NOT met");
    }

    /** Connect, write one byte, read its echo, close; p50 and p99 in ms. */
    private static double[] opens(Connector connector, int count) throws IOException {
        long[] micros = new long[count];
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            try (Socket s = connector.open()) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write('x');
                if (s.getInputStream().read() != 'x') {
                    throw new IllegalStateException("no echo on connection " + i);
                }
                micros[i] = (System.nanoTime() - start) / 1_000;
            }
        }
        Arrays.sort(micros);
        return new double[] {micros[count / 2] / 1000.0, micros[Math.min(count - 1, count * 99 / 100)] / 1000.0};
    }

    /** One connection: a writer sends N MiB while this thread reads the echo; MB/s each way. */
    private static double echo(Connector connector, int megabytes) throws Exception {
        long total = (long) megabytes * MIB;
        try (Socket s = connector.open()) {
            long start = System.nanoTime();
            echoOn(s, total).get(300, TimeUnit.SECONDS);
            return total / 1e6 / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** {@code streams} connections at once, N MiB in total spread over them; total MB/s each way. */
    private static double concurrent(Connector connector, int streams, int megabytes) throws Exception {
        long each = (long) megabytes * MIB / streams;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < streams; i++) {
                sockets.add(connector.open());
            }
            long start = System.nanoTime();
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (Socket s : sockets) {
                all.add(echoOn(s, each));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
            return each * streams / 1e6 / ((System.nanoTime() - start) / 1e9);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    // Idle threads live an hour, not a minute: CpuMeter subtracts these threads' CPU, and one that ended mid-run would count as the client's.
    private static final ExecutorService THREADS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 1, TimeUnit.HOURS, new SynchronousQueue<>(), r -> {
        Thread t = new Thread(r, "bench-io");
        t.setDaemon(true);
        return t;
    });

    private static CompletableFuture<Void> echoOn(Socket s, long total) throws IOException {
        s.setSoTimeout(120_000);
        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'k');
            try {
                OutputStream out = s.getOutputStream();
                for (long sent = 0; sent < total; sent += chunk.length) {
                    out.write(chunk, 0, (int) Math.min(chunk.length, total - sent));
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, THREADS);
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            byte[] buf = new byte[256 * 1024];
            long got = 0;
            try {
                InputStream in = s.getInputStream();
                for (int n; got < total && (n = in.read(buf)) >= 0; ) {
                    got += n;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (got != total) {
                throw new IllegalStateException("echoed " + got + " of " + total + " bytes");
            }
        }, THREADS);
        return CompletableFuture.allOf(written, read);
    }

    /** A real {@code kubectl port-forward pod/NAME :7000} child process. */
    private static final class KubectlForward implements AutoCloseable {
        final Process process;
        final int port;

        private KubectlForward(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static KubectlForward start(Path kubeconfig, String pod, boolean websockets) throws IOException {
            ProcessBuilder builder = new ProcessBuilder("kubectl", "--kubeconfig", kubeconfig.toString(), "-n", StoryCluster.NS,
                    "port-forward", "pod/" + pod, ":7000").redirectErrorStream(true);
            builder.environment().put("KUBECTL_PORT_FORWARD_WEBSOCKETS", Boolean.toString(websockets));
            Process process;
            try {
                process = builder.start();
            } catch (IOException notInstalled) {
                return null;
            }
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                Matcher m = FORWARDING.matcher(line);
                if (m.find()) {
                    Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "kubectl-output");
                    drain.setDaemon(true);
                    drain.start();
                    return new KubectlForward(process, Integer.parseInt(m.group(1)));
                }
            }
            throw new IOException("kubectl port-forward ended without forwarding (exit " + process.exitValue() + ")");
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private TransportBenchmark() {
    }
}

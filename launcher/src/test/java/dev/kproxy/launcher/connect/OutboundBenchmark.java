package dev.kproxy.launcher.connect;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.LocalPortForward;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

import static dev.kproxy.launcher.connect.BenchRounds.median;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

/**
 * Not a test: numbers for docs/benchmarks.md. Against a sandbox in this JVM (the sage story plus an
 * echo pod), measures echo throughput (MB/s each way, one connection) and connection-open latency
 * (connect → first byte of the pod's name port) through kproxy's SOCKS port, through fabric8's
 * {@link LocalPortForward}, and straight to the pod's loopback address (no port-forward at all),
 * and the DNS server's queries per second and latency; then, against a fresh sandbox, the RSS of a
 * real {@code kproxy connect} daemon holding idle connections ({@link IdleConnectionsRss}).
 * Run with the test class path (see docs/benchmarks.md).
 */
public final class OutboundBenchmark {
    private static final int MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int opens = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int idle = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        boolean split = args.length > 3 && args[3].equals("split");
        // split: the sandbox (API server, port-forward relay, pods) in its own process pinned to
        // the last core; run this JVM pinned to the others (taskset -c 0), so the paths under test
        // share the client side only and the sandbox's work does not steal their CPU.
        try (BenchCluster cluster = split ? SeparateStoryCluster.start(Duration.ZERO)
                : StoryCluster.start(Files.createTempDirectory("kproxy-bench"))) {
            measure(cluster, megabytes, opens);
        }
        if (idle > 0) {
            try (StoryCluster cluster = StoryCluster.start(Files.createTempDirectory("kproxy-bench"))) {
                IdleConnectionsRss.measure(cluster.kubeconfig(), StoryCluster.NS, idle);
            }
        }
    }

    private static void measure(BenchCluster cluster, int megabytes, int opens) throws Exception {
        KubernetesClient client = cluster.client();
        try (Outbound outbound = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS))) {
            var pod = cluster.echoPod();
            String podName = pod.getMetadata().getName();
            String podIp = pod.getStatus().getPodIP();
            int proxy = outbound.proxyPort();
            System.out.printf("echo pod %s (%s); kproxy SOCKS port %d; %d MiB per throughput run, %d opens%n",
                    podName, podIp, proxy, megabytes, opens);
            try (LocalPortForward echoForward = client.pods().inNamespace(StoryCluster.NS).withName(podName).portForward(7000);
                 LocalPortForward nameForward = client.pods().inNamespace(StoryCluster.NS).withName(podName).portForward(7001);
                 LocalPortForward sinkForward = client.pods().inNamespace(StoryCluster.NS).withName(podName).portForward(7002)) {
                Connector viaKproxy = port -> Clients.socks(proxy, "echo.wjyl-dev", port);
                Connector viaFabric8 = port -> new Socket("127.0.0.1", switch (port) {
                    case 7000 -> echoForward.getLocalPort();
                    case 7001 -> nameForward.getLocalPort();
                    default -> sinkForward.getLocalPort();
                });
                Connector raw = port -> new Socket(podIp, port);
                List<String> paths = List.of("kproxy SOCKS5 -> port-forward", "fabric8 LocalPortForward", "raw loopback to the pod");
                List<Connector> connectors = List.of(viaKproxy, viaFabric8, raw);
                // Rounds as BenchRounds says: a warm-up, then the paths in turn, so a burst of load
                // on the machine hits a round, not a path.
                double[][] oneWay = new double[3][BenchRounds.MEASURED];
                double[][] echo = new double[3][BenchRounds.MEASURED];
                double[][] openP50 = new double[3][BenchRounds.MEASURED];
                double[][] openP99 = new double[3][BenchRounds.MEASURED];
                int[] empty = new int[3];
                for (int round = 0; round <= BenchRounds.MEASURED; round++) {
                    boolean warm = round == 0;
                    for (int i = 0; i < 3; i++) {
                        double one = oneWay(paths.get(i), connectors.get(i), warm ? BenchRounds.WARM_UP_MIB : megabytes);
                        double both = throughput(paths.get(i), connectors.get(i), warm ? BenchRounds.WARM_UP_MIB : megabytes);
                        Opens o = opens(connectors.get(i), warm ? BenchRounds.WARM_UP_OPENS : opens);
                        if (!warm) {
                            oneWay[i][round - 1] = one;
                            echo[i][round - 1] = both;
                            openP50[i][round - 1] = o.p50();
                            openP99[i][round - 1] = o.p99();
                            empty[i] += o.empty();
                        }
                    }
                }
                System.out.printf("medians of %d rounds, %d MiB per throughput run, %d opens per round%n", BenchRounds.MEASURED, megabytes, opens);
                for (int i = 0; i < 3; i++) {
                    System.out.printf("one way     %-32s %8.1f MB/s to the pod        (rounds %s)%n", paths.get(i), median(oneWay[i]), rounds(oneWay[i]));
                }
                for (int i = 0; i < 3; i++) {
                    System.out.printf("echo        %-32s %8.1f MB/s each way          (rounds %s)%n", paths.get(i), median(echo[i]), rounds(echo[i]));
                }
                System.out.printf("ratio       kproxy / fabric8: one way %.2f, echo %.2f   kproxy / raw: one way %.2f, echo %.2f%n",
                        median(oneWay[0]) / median(oneWay[1]), median(echo[0]) / median(echo[1]),
                        median(oneWay[0]) / median(oneWay[2]), median(echo[0]) / median(echo[2]));
                for (int i = 0; i < 3; i++) {
                    System.out.printf("open        %-32s p50 %6.2f ms   p99 %6.2f ms   (%d connections closed without the pod's bytes)%n",
                            paths.get(i), median(openP50[i]), median(openP99[i]), empty[i]);
                }
                System.out.printf("ratio       open p50 kproxy / fabric8 %.2f%n", median(openP50[0]) / median(openP50[1]));
            }
            dnsQps(outbound.dnsAddress(), Duration.ofSeconds(5), 4);
        }
    }

    private interface Connector {
        Socket open(int port) throws IOException;
    }

    /** Writes {@code megabytes} MiB on one thread while reading the echo on another; MB/s of the round trip. */
    private static double throughput(String label, Connector connector, int megabytes) throws Exception {
        long total = (long) megabytes * MIB;
        try (Socket s = connector.open(7000)) {
            Timed t = send(s, total, in -> {
                byte[] buf = new byte[256 * 1024];
                long got = 0;
                for (int n; got < total && (n = in.read(buf)) >= 0; ) {
                    got += n;
                }
                return got;
            });
            if (t.answered() != total) {
                throw new IllegalStateException(label + ": echoed " + t.answered() + " of " + total + " bytes");
            }
            return total / 1e6 / t.seconds();
        }
    }

    /** Sends {@code megabytes} MiB to the pod's sink, which answers one byte per MiB: timed to the last answer. */
    private static double oneWay(String label, Connector connector, int megabytes) throws Exception {
        long total = (long) megabytes * MIB;
        try (Socket s = connector.open(7002)) {
            Timed t = send(s, total, in -> {
                long acks = 0;
                while (acks < megabytes && in.read() >= 0) {
                    acks++;
                }
                return acks;
            });
            if (t.answered() != megabytes) {
                throw new IllegalStateException(label + ": the pod acknowledged " + t.answered() + " of " + megabytes + " MiB");
            }
            return total / 1e6 / t.seconds();
        }
    }

    private interface Answer {
        long read(InputStream in) throws IOException;
    }

    private record Timed(double seconds, long answered) {
    }

    /** Writes {@code total} bytes while {@code answer} reads the reply on another thread; timed until both are done. */
    private static Timed send(Socket s, long total, Answer answer) throws Exception {
        s.setSoTimeout(60_000);
        byte[] chunk = new byte[256 * 1024];
        Arrays.fill(chunk, (byte) 'k');
        long start = System.nanoTime();
        CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return answer.read(s.getInputStream());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        OutputStream out = s.getOutputStream();
        for (long sent = 0; sent < total; sent += chunk.length) {
            out.write(chunk);
        }
        out.flush();
        long answered = reader.get();
        return new Timed((System.nanoTime() - start) / 1e9, answered);
    }

    private record Opens(double p50, double p99, int empty) {
    }

    /** Connect, read the pod's name to EOF; p50/p99 of connect → first byte, in ms. */
    private static Opens opens(Connector connector, int count) throws IOException {
        List<Long> micros = new ArrayList<>();
        int empty = 0;
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            try (Socket s = connector.open(7001)) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                if (in.read() < 0) {
                    empty++; // closed before the pod's name arrived: counted, reported
                    continue;
                }
                micros.add((System.nanoTime() - start) / 1_000);
                in.readAllBytes();
            }
        }
        micros.sort(Long::compare);
        return new Opens(micros.get(micros.size() / 2) / 1000.0,
                micros.get(Math.min(micros.size() - 1, micros.size() * 99 / 100)) / 1000.0, empty);
    }

    private static String rounds(double[] values) {
        return Arrays.stream(values).mapToObj(v -> String.format("%.1f", v)).collect(java.util.stream.Collectors.joining(", "));
    }

    private static void dnsQps(InetSocketAddress dns, Duration duration, int threads) throws Exception {
        Name name = Name.fromString("sage.wjyl-dev.svc.cluster.local.");
        LongAdder answered = new LongAdder();
        java.util.concurrent.ConcurrentLinkedQueue<Long> micros = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long end = System.nanoTime() + duration.toNanos();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(CompletableFuture.runAsync(() -> {
                try {
                    SimpleResolver resolver = new SimpleResolver(dns);
                    resolver.setTimeout(Duration.ofSeconds(2));
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        Message reply = resolver.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
                        micros.add((System.nanoTime() - start) / 1_000);
                        if (reply.getRcode() != Rcode.NOERROR || reply.getSection(1).isEmpty()) {
                            throw new IllegalStateException("unexpected DNS answer " + reply);
                        }
                        answered.increment();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get();
        List<Long> sorted = new ArrayList<>(micros);
        sorted.sort(Long::compare);
        System.out.printf("dns         %-32s %8.0f queries/s, p50 %.2f ms, p99 %.2f ms (%d concurrent UDP clients, A sage.wjyl-dev.svc.cluster.local, %d s)%n",
                "kproxy DNS", answered.sum() / (double) duration.toSeconds(), sorted.get(sorted.size() / 2) / 1000.0,
                sorted.get(Math.min(sorted.size() - 1, sorted.size() * 99 / 100)) / 1000.0, threads, duration.toSeconds());
    }

    private OutboundBenchmark() {
    }
}

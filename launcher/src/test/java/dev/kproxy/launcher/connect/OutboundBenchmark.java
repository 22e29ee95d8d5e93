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
                for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                    boolean report = round == 1;
                    double[] oneWay = new double[3];
                    double[] echo = new double[3];
                    for (int i = 0; i < 3; i++) {
                        oneWay[i] = oneWay(paths.get(i), connectors.get(i), megabytes, report);
                    }
                    for (int i = 0; i < 3; i++) {
                        echo[i] = throughput(paths.get(i), connectors.get(i), megabytes, report);
                    }
                    if (report) {
                        System.out.printf("ratio       kproxy / fabric8: one way %.2f, echo %.2f   kproxy / raw: one way %.2f, echo %.2f%n",
                                oneWay[0] / oneWay[1], echo[0] / echo[1], oneWay[0] / oneWay[2], echo[0] / echo[2]);
                    }
                }
                for (int round = 0; round < 2; round++) {
                    boolean report = round == 1;
                    double[] p50 = new double[3];
                    for (int i = 0; i < 3; i++) {
                        p50[i] = opens(paths.get(i), connectors.get(i), opens, report);
                    }
                    if (report) {
                        System.out.printf("ratio       open p50 kproxy / fabric8 %.2f%n", p50[0] / p50[1]);
                    }
                }
            }
            dnsQps(outbound.dnsAddress(), Duration.ofSeconds(5), 4);
        }
    }

    private interface Connector {
        Socket open(int port) throws IOException;
    }

    /** Writes {@code megabytes} MiB on one thread while reading the echo on another; MB/s of the round trip. */
    private static double throughput(String label, Connector connector, int megabytes, boolean report) throws Exception {
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
            if (report) {
                System.out.printf("echo        %-32s %8.1f MB/s each way (%d MiB echoed in %.2f s)%n",
                        label, total / 1e6 / t.seconds(), megabytes, t.seconds());
            }
            return total / 1e6 / t.seconds();
        }
    }

    /** Sends {@code megabytes} MiB to the pod's sink, which answers one byte per MiB: timed to the last answer. */
    private static double oneWay(String label, Connector connector, int megabytes, boolean report) throws Exception {
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
            if (report) {
                System.out.printf("one way     %-32s %8.1f MB/s to the pod (%d MiB in %.2f s)%n",
                        label, total / 1e6 / t.seconds(), megabytes, t.seconds());
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

    /** Connect, read the pod's name to EOF; p50/p99 of connect → first byte. */
    private static double opens(String label, Connector connector, int count, boolean report) throws IOException {
        List<Long> micros = new ArrayList<>();
        int empty = 0;
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            try (Socket s = connector.open(7001)) {
                s.setSoTimeout(30_000);
                InputStream in = s.getInputStream();
                if (in.read() < 0) {
                    empty++; // closed before the pod's name arrived: counted, reported below
                    continue;
                }
                micros.add((System.nanoTime() - start) / 1_000);
                in.readAllBytes();
            }
        }
        micros.sort(Long::compare);
        if (report) {
            System.out.printf("open        %-32s p50 %6.2f ms   p99 %6.2f ms   (%d connections, %d closed without the pod's bytes)%n",
                    label, micros.get(micros.size() / 2) / 1000.0,
                    micros.get(Math.min(micros.size() - 1, micros.size() * 99 / 100)) / 1000.0, count, empty);
        }
        return micros.get(micros.size() / 2) / 1000.0;
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

package dev.kproxy.launcher.connect;

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
 * and the DNS server's queries per second. Run with the test class path (see docs/benchmarks.md).
 */
public final class OutboundBenchmark {
    private static final int MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 256;
        int opens = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        Path dir = Files.createTempDirectory("kproxy-bench");
        try (StoryCluster cluster = StoryCluster.start(dir);
             Outbound outbound = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS))) {
            var pod = cluster.readyPods("echo").get(0);
            String podName = pod.getMetadata().getName();
            String podIp = pod.getStatus().getPodIP();
            int proxy = outbound.proxyPort();
            System.out.printf("echo pod %s (%s); kproxy SOCKS port %d; %d MiB per throughput run, %d opens%n",
                    podName, podIp, proxy, megabytes, opens);
            try (LocalPortForward echoForward = cluster.client.pods().inNamespace(StoryCluster.NS).withName(podName).portForward(7000);
                 LocalPortForward nameForward = cluster.client.pods().inNamespace(StoryCluster.NS).withName(podName).portForward(7001)) {
                Connector viaKproxy = port -> Clients.socks(proxy, "echo.wjyl-dev", port);
                Connector viaFabric8 = port -> new Socket("127.0.0.1", port == 7000 ? echoForward.getLocalPort() : nameForward.getLocalPort());
                Connector raw = port -> new Socket(podIp, port);
                for (int round = 0; round < 2; round++) { // the first round warms the JIT up
                    boolean report = round == 1;
                    throughput("kproxy SOCKS5 -> port-forward", viaKproxy, megabytes, report);
                    throughput("fabric8 LocalPortForward", viaFabric8, megabytes, report);
                    throughput("raw loopback to the pod", raw, megabytes, report);
                }
                for (int round = 0; round < 2; round++) {
                    boolean report = round == 1;
                    opens("kproxy SOCKS5 -> port-forward", viaKproxy, opens, report);
                    opens("fabric8 LocalPortForward", viaFabric8, opens, report);
                    opens("raw loopback to the pod", raw, opens, report);
                }
            }
            dnsQps(outbound.dnsAddress(), Duration.ofSeconds(5), 4);
        }
    }

    private interface Connector {
        Socket open(int port) throws IOException;
    }

    /** Writes {@code megabytes} MiB on one thread while reading the echo on another; MB/s of the round trip. */
    private static void throughput(String label, Connector connector, int megabytes, boolean report) throws Exception {
        try (Socket s = connector.open(7000)) {
            s.setSoTimeout(60_000);
            byte[] chunk = new byte[256 * 1024];
            Arrays.fill(chunk, (byte) 'k');
            long total = (long) megabytes * MIB;
            long start = System.nanoTime();
            CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[256 * 1024];
                    long got = 0;
                    while (got < total) {
                        int n = in.read(buf);
                        if (n < 0) {
                            break;
                        }
                        got += n;
                    }
                    return got;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            OutputStream out = s.getOutputStream();
            for (long sent = 0; sent < total; sent += chunk.length) {
                out.write(chunk);
            }
            out.flush();
            long got = reader.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (got != total) {
                throw new IllegalStateException(label + ": echoed " + got + " of " + total + " bytes");
            }
            if (report) {
                System.out.printf("throughput  %-32s %8.1f MB/s each way (%d MiB echoed in %.2f s)%n",
                        label, total / 1e6 / seconds, megabytes, seconds);
            }
        }
    }

    /** Connect, read the pod's name to EOF; p50/p99 of connect → first byte. */
    private static void opens(String label, Connector connector, int count, boolean report) throws IOException {
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
    }

    private static void dnsQps(InetSocketAddress dns, Duration duration, int threads) throws Exception {
        Name name = Name.fromString("sage.wjyl-dev.svc.cluster.local.");
        LongAdder answered = new LongAdder();
        long end = System.nanoTime() + duration.toNanos();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(CompletableFuture.runAsync(() -> {
                try {
                    SimpleResolver resolver = new SimpleResolver(dns);
                    resolver.setTimeout(Duration.ofSeconds(2));
                    while (System.nanoTime() < end) {
                        Message reply = resolver.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
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
        System.out.printf("dns         %-32s %8.0f queries/s (%d UDP clients, A sage.wjyl-dev.svc.cluster.local, %d s)%n",
                "kproxy DNS", answered.sum() / (double) duration.toSeconds(), threads, duration.toSeconds());
    }

    private OutboundBenchmark() {
    }
}

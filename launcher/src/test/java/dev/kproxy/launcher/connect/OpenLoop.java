package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.spdy.TransportMode;

import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;

/**
 * Not a test: back-to-back opens (connect through the SOCKS port, 1-byte echo, close) on one
 * pinned transport for a while, printing p25/p50 per thousand. It is what a profiler or a timeline
 * of one open needs and {@link TransportBenchmark} is not: one path, one kind of work, no phases.
 * The sandbox runs in its own process on the last core ({@link SeparateStoryCluster}).
 *
 * <p>Arguments: seconds (60), transport (tunnel, spdy or websocket). {@code -Dgap=MICROS} pauses
 * between opens. Mind docs/sandbox.md on pod dials: past about 14,000 opens a minute to one pod,
 * the sandbox's dials, not kproxy, set the pace.
 */
public final class OpenLoop {
    private static final long GAP_MICROS = Long.getLong("gap", 0);

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        TransportMode mode = TransportMode.parse(args.length > 1 ? args[1] : "tunnel");
        try (BenchCluster cluster = SeparateStoryCluster.start(Duration.ZERO);
             Outbound outbound = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS).withTransport(mode))) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            for (int round = 0; System.nanoTime() < end; round++) {
                long[] micros = new long[1000];
                for (int i = 0; i < micros.length; i++) {
                    long start = System.nanoTime();
                    try (Socket s = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7000)) {
                        s.getOutputStream().write('x');
                        if (s.getInputStream().read() != 'x') {
                            throw new IllegalStateException("no echo on connection " + i);
                        }
                    }
                    micros[i] = (System.nanoTime() - start) / 1000;
                    if (GAP_MICROS > 0) {
                        Thread.sleep(GAP_MICROS / 1000, (int) (GAP_MICROS % 1000) * 1000);
                    }
                }
                Arrays.sort(micros);
                System.out.printf("round %d: open p25 %d us, p50 %d us%n", round, micros[250], micros[500]);
            }
        }
    }

    private OpenLoop() {
    }
}

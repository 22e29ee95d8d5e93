package dev.kproxy.launcher.connect;

import java.util.Arrays;

/**
 * How the port-forward benchmarks ({@link OutboundBenchmark}, {@link TransportBenchmark}) run
 * their paths: one unprinted warm-up round, then {@link #MEASURED} rounds taking the paths in turn,
 * each figure the median of its rounds. The warm-up is long because C2 compiles a per-read method
 * after about 10,000 reads, some 600 MiB at 64 KiB a read, in kproxy and in the sandbox alike.
 */
final class BenchRounds {
    static final int WARM_UP_OPENS = 1000;
    static final int WARM_UP_MIB = 512;
    static final int MEASURED = 5;

    private BenchRounds() {
    }

    static double median(double[] rounds) {
        double[] sorted = rounds.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

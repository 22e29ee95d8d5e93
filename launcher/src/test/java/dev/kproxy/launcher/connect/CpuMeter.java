package dev.kproxy.launcher.connect;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Set;

/**
 * CPU time spent on a path's bytes, for {@link TransportBenchmark}: when the sandbox's core is
 * the ceiling, every path moves about the same MB/s, and only CPU per byte still tells the
 * clients apart. Two figures: the <em>client</em>, this JVM minus the benchmark's own socket
 * threads (so kproxy's event loops, or fabric8's threads) plus a client child process (kubectl);
 * and the <em>sandbox</em>, its process when it runs in one of its own (its pods' processes not
 * included: they are the application). Linux only ({@code /proc/PID/stat}). Without a sandbox
 * process of its own there is no figure at all: the client's would include the sandbox's.
 */
final class CpuMeter {
    /** The benchmark's own threads: the clients' reads and writes are the application's cost on every path. */
    private static final Set<String> BENCHMARK_THREADS = Set.of("main", "bench-io", "kubectl-output");
    private static final long NANOS_PER_TICK = 1_000_000_000L / clockTicksPerSecond();

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final OptionalLong sandboxPid;

    /** CPU nanoseconds used so far by the client side and by the sandbox; both -1 when not measurable. */
    record Reading(long client, long sandbox) {
        static final Reading NONE = new Reading(-1, -1);

        Reading since(Reading earlier) {
            return this == NONE ? NONE : new Reading(client - earlier.client, sandbox - earlier.sandbox);
        }

        /** Client and sandbox seconds per GiB for {@code gib} carried; NaN when not measurable. */
        double[] perGiB(double gib) {
            return this == NONE ? new double[] {Double.NaN, Double.NaN} : new double[] {client / 1e9 / gib, sandbox / 1e9 / gib};
        }
    }

    CpuMeter(OptionalLong sandboxPid) {
        this.sandboxPid = sandboxPid;
    }

    Reading read(OptionalLong clientProcess) {
        if (sandboxPid.isEmpty()) {
            return Reading.NONE;
        }
        long benchmark = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && BENCHMARK_THREADS.contains(info.getThreadName())) {
                benchmark += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        long client = os.getProcessCpuTime() - benchmark + (clientProcess.isPresent() ? processNanos(clientProcess.getAsLong()) : 0);
        return new Reading(client, processNanos(sandboxPid.getAsLong()));
    }

    /** utime + stime of one process (proc(5): fields 14 and 15, counted after the parenthesised name). */
    private static long processNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            return Long.parseLong(new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip());
        } catch (IOException | RuntimeException e) {
            return 100; // USER_HZ on every common Linux build
        }
    }
}

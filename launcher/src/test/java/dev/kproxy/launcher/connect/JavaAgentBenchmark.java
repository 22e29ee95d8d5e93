package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.agent.AgentBenchProbe;
import dev.kproxy.launcher.agent.AgentJar;
import dev.kproxy.launcher.agent.AgentService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Java agent's costs, measured in one run against the sage story on a sandbox (a main, not a
 * test: timings do not belong in assertions here):
 * <ul>
 * <li>JVM start to {@code main} (the JVM's uptime when main begins) and whole-process wall time
 * of a trivial main, without and with {@code -javaagent:kproxy-agent.jar} (daemon reachable),
 * median of 10 each, interleaved; first with the agent's class cache emptied before each start
 * (cold: the first start after an install or upgrade), then warm;</li>
 * <li>connect + one-byte echo to the echo service through the agent (loopback listener →
 * port-forward) vs through the SOCKS port, median of N sequential connects.</li>
 * </ul>
 * Run: {@code ./mvnw -B -q -o test-compile -pl launcher -am && java -cp "$(cat launcher/target/bench.cp)" ...}
 * (see docs/benchmarks.md for the exact command).
 */
public final class JavaAgentBenchmark {
    private JavaAgentBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int connects = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        Path dir = Files.createTempDirectory("kproxy-agent-bench");
        KproxyHome home = KproxyHome.at(dir.resolve("home"));
        try (StoryCluster cluster = StoryCluster.start(dir)) {
            Outbound outbound = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS));
            AgentService agents = AgentService.start(outbound, AgentJar.socket(home), "cluster.local");
            try {
                String agent = AgentJar.javaOption(home);
                Path cache = home.root().resolve("agent-cache");
                for (String java : javas()) {
                    // Cold: the agent's class cache emptied before each start (the first start after
                    // an install or upgrade); then warm, as every later start.
                    startup(java, agent, "start", runs, cache);
                    for (String mode : List.of("start", "start-net")) {
                        startup(java, agent, mode, runs, null);
                    }
                }
                String echo = cluster.clusterIp("echo");
                String self = Path.of(System.getProperty("java.home"), "bin", "java").toString();
                // Round 1 warms the daemon's JIT (the sandbox and the daemon share this JVM); round 2 is printed.
                for (int round = 1; round <= 2; round++) {
                    String viaAgent = probe(self, agent, "connect", "echo", "7000", Integer.toString(connects));
                    String viaSocks = probe(self, null, "connect", echo, "7000", Integer.toString(connects), Integer.toString(outbound.proxyPort()));
                    if (round == 2) {
                        System.out.printf("connect + 1-byte echo to echo:7000 (%d sequential): through the agent %s; through the SOCKS port %s%n",
                                connects, viaAgent, viaSocks);
                    }
                }
            } finally {
                outbound.close();
                agents.close();
            }
        }
    }

    private static List<String> javas() {
        List<String> javas = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (Files.isExecutable(JavaAgentSandboxTest.JDK25)) {
            javas.add(JavaAgentSandboxTest.JDK25.toString());
        }
        return javas;
    }

    /** {@code runs} interleaved pairs of child JVMs without and with the agent; prints medians and the median paired difference. */
    private static void startup(String java, String agent, String mode, int runs, Path emptiedCache) throws Exception {
        long[][] without = new long[3][runs];
        long[][] with = new long[3][runs];
        long[] pairs = new long[runs];
        long[] cpuPairs = new long[runs];
        for (int i = 0; i < runs; i++) {
            without[0][i] = startup(java, null, mode, without, i);
            if (emptiedCache != null) {
                deleteTree(emptiedCache);
            }
            with[0][i] = startup(java, agent, mode, with, i);
            pairs[i] = with[1][i] - without[1][i];
            cpuPairs[i] = with[2][i] - without[2][i];
        }
        System.out.printf("%s %s: JVM start to %s, median of %d: %d ms without the agent, %d ms with (+%d ms; median of"
                        + " the paired differences +%d ms); CPU time to there %d ms vs %d ms (paired +%d ms);"
                + " process wall time %d ms vs %d ms (+%d ms); load %s%n",
                java, emptiedCache != null ? mode + " (cold agent cache)" : mode,
                mode.equals("start") ? "main" : "main with InetAddress ready", runs, median(without[1]), median(with[1]),
                median(with[1]) - median(without[1]), median(pairs), median(without[2]), median(with[2]), median(cpuPairs),
                median(without[0]), median(with[0]),
                median(with[0]) - median(without[0]), loadAverage());
    }

    /** Wall time of the whole process in ms; the JVM's uptime and CPU time when the probe printed into {@code into[1..2][i]}. */
    private static long startup(String java, String agent, String mode, long[][] into, int i) throws Exception {
        long start = System.nanoTime();
        String out = probe(java, agent, mode);
        long wall = (System.nanoTime() - start) / 1_000_000;
        into[1][i] = Long.parseLong(out.replaceAll("(?s).*uptime-ms (\\d+).*", "$1"));
        into[2][i] = Long.parseLong(out.replaceAll("(?s).*cpu-ms (\\d+).*", "$1"));
        return wall;
    }

    private static String probe(String java, String agent, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        if (agent != null) {
            command.add(agent);
        }
        command.addAll(List.of("-cp", StoryCluster.classesOf(AgentBenchProbe.class), AgentBenchProbe.class.getName()));
        command.addAll(List.of(args));
        Clients.Result r = Clients.run(command);
        if (r.exit() != 0) {
            throw new IllegalStateException(command + ": " + r.err());
        }
        return r.out().strip();
    }

    private static void deleteTree(Path root) throws java.io.IOException {
        if (Files.exists(root)) {
            try (var paths = Files.walk(root)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static String loadAverage() throws java.io.IOException {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}

package dev.kproxy.launcher.intercept;

import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.network.PortForwardCounters;
import dev.kproxy.sandbox.store.ResourceCatalog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The inbound half of the sage story end to end, with the real CLI and daemon as child processes against a
 * sandbox: {@code kproxy intercept sage LOCAL:50100} sends the NodePort's traffic, whichever replica serves it,
 * through each pod's agent and tunnel (a port-forward, counted by the sandbox) to a sage on this machine;
 * {@code kill -9} of the daemon sends it back to the app; a new daemon reports the intercept, and
 * {@code kproxy leave} restores the workload exactly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InterceptStoryTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;
    static InterceptCluster cluster;
    static Kproxy kproxy;
    private final List<Process> locals = new ArrayList<>();

    @BeforeAll
    static void start() throws IOException {
        cluster = InterceptCluster.start(dir, SandboxConfig.builder());
        kproxy = new Kproxy(Files.createDirectories(dir.resolve("home")));
    }

    @AfterEach
    void stopLocals() throws Exception {
        locals.forEach(Process::destroyForcibly);
        kproxy.run("quit");
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void theSeedStoryInterceptKillAndLeave() throws Exception {
        assertThat(InterceptCluster.callSage()).contains("\"data\":\"from k8s\"");
        JsonNode deploymentBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").path("spec");
        JsonNode serviceBefore = cluster.stored(ResourceCatalog.SERVICE, "sage").path("spec");
        connect();
        int local = freePort();
        startLocalSage(local);

        Kproxy.Result intercept = kproxy.run("intercept", "sage", local + ":50100", "-n", InterceptCluster.NS);
        assertThat(intercept.exit()).as(intercept.all() + kproxy.daemonLog()).isZero();
        assertThat(intercept.out()).as(kproxy.daemonLog()).contains("Using Deployment sage").containsPattern("Intercept name +: sage")
                .containsPattern("State +: ACTIVE").containsPattern("Workload kind +: Deployment")
                .containsPattern("Destination +: 127.0.0.1:" + local).contains("Service Port Identifier: http")
                .containsPattern("Intercepting +: all TCP connections").containsPattern("Agents +: 2/2 pods attached")
                .contains("pods ready with the agent");

        Map<String, String> pods = cluster.pods("sage");
        assertThat(pods).hasSize(2);
        Map<String, PortForwardCounters.PodStats> before = counters(pods.keySet());
        for (int i = 0; i < 16; i++) {
            assertThat(InterceptCluster.callSage()).as("call " + i).contains("\"data\":\"from local\"");
        }
        JsonNode row = sageRow(list());
        assertThat(row.path("state").asString()).isEqualTo("ACTIVE");
        Map<String, Long> connections = new TreeMap<>();
        row.path("intercept").path("pods").forEach(p -> connections.put(p.path("pod").asString(), p.path("connections").asLong()));
        assertThat(connections.keySet()).as("a tunnel to every replica").isEqualTo(pods.keySet());
        assertThat(connections.values()).as("both replicas' tunnels carried calls: " + connections).allMatch(n -> n > 0);
        for (String pod : pods.keySet()) {
            PortForwardCounters.PodStats after = cluster.sandbox.portForwardCounters().snapshot().pod(InterceptCluster.NS, pod);
            assertThat(after.bytesPodToClient() - before.get(pod).bytesPodToClient())
                    .as("requests to %s crossed its port-forward", pod).isGreaterThan(100);
            assertThat(after.bytesClientToPod() - before.get(pod).bytesClientToPod())
                    .as("answers from the laptop crossed %s's port-forward", pod).isGreaterThan(100);
        }
        assertThat(cluster.stored(ResourceCatalog.SERVICE, "sage").path("spec")).as("named targetPort: the Service is untouched")
                .isEqualTo(serviceBefore);

        long pid = status().path("pid").asLong();
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        long killedAt = System.nanoTime();
        daemon.destroyForcibly(); // SIGKILL: no leave, no goodbye on the tunnels
        daemon.onExit().get();
        int inARow = 0;
        long firstFromK8s = 0;
        while (inARow < 6) {
            String answer;
            try {
                answer = InterceptCluster.callSage();
            } catch (IOException e) {
                answer = e.toString();
            }
            if (answer.contains("\"data\":\"from k8s\"")) {
                firstFromK8s = inARow++ == 0 ? System.nanoTime() : firstFromK8s;
            } else {
                inARow = 0;
                assertThat(System.nanoTime() - killedAt).as("falls back to the app").isLessThan(Duration.ofSeconds(30).toNanos());
                Thread.sleep(50);
            }
        }
        System.out.printf("[measured] after kill -9 of the daemon, sage's NodePort answered \"from k8s\" again after %d ms%n",
                Duration.ofNanos(firstFromK8s - killedAt).toMillis());

        connect();
        assertThat(sageRow(list()).path("state").asString()).as("a new daemon reports what the killed one left").isEqualTo("INSTALLED");
        Kproxy.Result leave = kproxy.run("leave", "sage");
        assertThat(leave.exit()).as(leave.all() + kproxy.daemonLog()).isZero();
        assertThat(leave.out()).contains("Left intercept sage; restored deployment wjyl-dev/sage, configmap wjyl-dev/kproxy-agent.");
        assertRestored("sage", deploymentBefore, serviceBefore);
        cluster.awaitSettled();
        assertThat(InterceptCluster.callSage()).contains("\"data\":\"from k8s\"");
    }

    // ---- helpers ----

    private void assertRestored(String name, JsonNode deploymentSpec, JsonNode serviceSpec) {
        ObjectNode deployment = cluster.stored(ResourceCatalog.DEPLOYMENT, name);
        ObjectNode service = cluster.stored(ResourceCatalog.SERVICE, name);
        assertThat(deployment.path("spec")).as("deployment spec restored").isEqualTo(deploymentSpec);
        assertThat(service.path("spec")).as("service spec restored").isEqualTo(serviceSpec);
        for (ObjectNode o : List.of(deployment, service)) {
            assertThat(o.path("metadata").path("annotations").has("kproxy.dev/original")).isFalse();
            assertThat(o.path("metadata").path("labels").has("kproxy.dev/intercepted")).isFalse();
        }
        assertThat(cluster.exists(ResourceCatalog.CONFIG_MAP, "kproxy-agent")).as("agent ConfigMap deleted").isFalse();
    }

    private Map<String, PortForwardCounters.PodStats> counters(Iterable<String> pods) {
        Map<String, PortForwardCounters.PodStats> stats = new TreeMap<>();
        PortForwardCounters.Snapshot snapshot = cluster.sandbox.portForwardCounters().snapshot();
        pods.forEach(p -> stats.put(p, snapshot.pod(InterceptCluster.NS, p)));
        return stats;
    }

    static void connect() throws Exception {
        Kproxy.Result r = kproxy.run("connect", "--kubeconfig", cluster.kubeconfig().toString(), "-n", InterceptCluster.NS,
                "--proxy-port", "0", "--dns-port", "0");
        assertThat(r.exit()).as(r.all() + kproxy.daemonLog()).isZero();
    }

    static JsonNode status() throws Exception {
        Kproxy.Result r = kproxy.run("status", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        return JSON.readTree(r.out());
    }

    static JsonNode list() throws Exception {
        Kproxy.Result r = kproxy.run("list", "-o", "json");
        assertThat(r.exit()).as(r.all()).isZero();
        return JSON.readTree(r.out());
    }

    static JsonNode sageRow(JsonNode list) {
        for (JsonNode row : list.path("workloads")) {
            if (row.path("service").asString().equals("sage")) {
                return row;
            }
        }
        throw new AssertionError("no sage in " + list);
    }

    Process startLocalSage(int port) throws IOException {
        Process p = Kproxy.background("dev.kproxy.examples.sage.SageServer", Map.of("PORT", String.valueOf(port),
                "BIND_ADDRESS", "127.0.0.1", "SAGE_DATA", "from local"), dir.resolve("local-sage-" + port + ".log"));
        locals.add(p);
        awaitListening(port);
        return p;
    }

    static void awaitListening(int port) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return true;
            }
        });
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}

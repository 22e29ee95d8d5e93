package dev.kproxy.launcher.intercept;

import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.network.PortForwardCounters;
import dev.kproxy.sandbox.store.ResourceCatalog;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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

    @Test
    @Order(2)
    void numericTargetPortAndAPersonalInterceptAreBothLeftWhenTheDaemonQuits() throws Exception {
        JsonNode quotaDeployment = cluster.stored(ResourceCatalog.DEPLOYMENT, "quota").path("spec");
        JsonNode quotaService = cluster.stored(ResourceCatalog.SERVICE, "quota").path("spec");
        JsonNode sageDeployment = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").path("spec");
        JsonNode sageService = cluster.stored(ResourceCatalog.SERVICE, "sage").path("spec");
        connect();
        int quotaPort = freePort();
        locals.add(Kproxy.background("dev.kproxy.examples.quota.QuotaServer", Map.of("PORT", String.valueOf(quotaPort),
                "BIND_ADDRESS", "127.0.0.1", "POD_NAME", "laptop-quota"), dir.resolve("local-quota.log")));
        awaitListening(quotaPort);

        Kproxy.Result quota = kproxy.run("intercept", "quota", "--port", quotaPort + ":8080", "-n", InterceptCluster.NS);
        assertThat(quota.exit()).as(quota.all() + kproxy.daemonLog()).isZero();
        assertThat(quota.out()).contains("Service Port Identifier: http").containsPattern("Agents +: 1/1 pods attached");
        assertThat(cluster.stored(ResourceCatalog.SERVICE, "quota").at("/spec/ports/0/targetPort").asInt())
                .as("numeric targetPort: the Service points at the agent").isNotEqualTo(8080);
        // The cluster's sage calls quota by its Service name: that call now reaches the laptop's quota.
        assertThat(InterceptCluster.callSage()).contains("\"data\":\"from k8s\"").contains("\"pod\":\"laptop-quota\"");

        int sagePort = freePort();
        startLocalSage(sagePort);
        Kproxy.Result sage = kproxy.run("intercept", "sage", sagePort + ":http", "--http-header", "x-kproxy-user=alice",
                "--http-header", "x-tenant=blue");
        assertThat(sage.exit()).as(sage.all() + kproxy.daemonLog()).isZero();
        assertThat(sage.out()).containsPattern("Intercepting +: HTTP requests with headers x-kproxy-user: alice and x-tenant: blue");
        for (int i = 0; i < 6; i++) {
            assertThat(InterceptCluster.callSage(Map.of("X-Kproxy-User", "alice", "X-Tenant", "blue"))).as("alice's call " + i)
                    .contains("\"data\":\"from local\"");
            assertThat(InterceptCluster.callSage(Map.of("X-Kproxy-User", "alice"))).as("alice's call without the tenant " + i)
                    .contains("\"data\":\"from k8s\"");
            assertThat(InterceptCluster.callSage(Map.of("x-kproxy-user", "bob", "x-tenant", "blue"))).as("bob's call " + i)
                    .contains("\"data\":\"from k8s\"");
            assertThat(InterceptCluster.callSage()).as("plain call " + i).contains("\"data\":\"from k8s\"");
        }

        Kproxy.Result quit = kproxy.run("quit");
        assertThat(quit.exit()).as(quit.all() + kproxy.daemonLog()).isZero();
        assertThat(kproxy.daemonLog()).contains("left intercept quota", "left intercept sage");
        assertRestored("quota", quotaDeployment, quotaService);
        assertRestored("sage", sageDeployment, sageService);
        cluster.awaitSettled();
    }

    @Test
    @Order(3)
    void bulkRefusalsAndUninstallAllAfterKill9() throws Exception {
        JsonNode deploymentBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").path("spec");
        JsonNode serviceBefore = cluster.stored(ResourceCatalog.SERVICE, "sage").path("spec");
        connect();
        int local = freePort();
        Kproxy.Result intercept = kproxy.run("intercept", "sage", String.valueOf(local));
        assertThat(intercept.exit()).as(intercept.all() + kproxy.daemonLog()).isZero();

        // Nothing listens on LOCAL yet: that one cluster connection is reset, the intercept stays.
        assertThatThrownBy(InterceptCluster::callSage).isInstanceOf(IOException.class);
        assertThat(sageRow(list()).path("state").asString()).isEqualTo("ACTIVE");

        // A tunnel connection from another pod's address is refused by the agent (no HELLO, closed at once).
        String sagePodIp = cluster.pods("sage").values().iterator().next();
        String quotaPodIp = cluster.pods("quota").values().iterator().next();
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(quotaPodIp, 0));
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress(sagePodIp, 9713), 5_000);
            int first;
            try {
                first = s.getInputStream().read();
            } catch (SocketException reset) {
                first = -1;
            }
            assertThat(first).as("the agent says nothing to a stranger and closes").isEqualTo(-1);
        }

        try (EchoServer echo = EchoServer.start(local)) {
            int connections = 32;
            int size = 16 * 1024 * 1024;
            ExecutorService pool = Executors.newFixedThreadPool(2 * connections);
            try {
                List<Future<Boolean>> results = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    long seed = i;
                    results.add(pool.submit(() -> EchoServer.roundTrip("127.0.0.1", InterceptCluster.SAGE_NODE_PORT, size, seed, pool)));
                }
                for (Future<Boolean> r : results) {
                    assertThat(r.get(10, TimeUnit.MINUTES)).as("SHA-256 of 16 MiB sent equals that of the bytes echoed back").isTrue();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(echo.connections()).as("every connection reached the laptop").isGreaterThanOrEqualTo(connections);
        }
        JsonNode pods = sageRow(list()).path("intercept").path("pods");
        long carried = 0;
        for (JsonNode p : pods) {
            carried += p.path("connections").asLong();
        }
        assertThat(carried).isGreaterThanOrEqualTo(33);

        // A replica that appears later joins the intercept; one that goes away drops out.
        replicas("sage", 3);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode i = sageRow(list()).path("intercept");
            return i.path("agentPods").asInt() == 3 && i.path("attachedPods").asInt() == 3;
        });
        replicas("sage", 2);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            JsonNode i = sageRow(list()).path("intercept");
            return i.path("agentPods").asInt() == 2 && i.path("attachedPods").asInt() == 2;
        });

        long pid = status().path("pid").asLong();
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
        daemon.destroyForcibly();
        daemon.onExit().get();
        Kproxy.Result uninstall = kproxy.run("uninstall", "--all", "--kubeconfig", cluster.kubeconfig().toString());
        assertThat(uninstall.exit()).as(uninstall.all()).isZero();
        assertThat(uninstall.out()).contains("Restored deployment wjyl-dev/sage, configmap wjyl-dev/kproxy-agent.");
        assertRestored("sage", deploymentBefore, serviceBefore);
        Kproxy.Result again = kproxy.run("uninstall", "--all", "--kubeconfig", cluster.kubeconfig().toString());
        assertThat(again.out()).contains("Nothing to restore");
        cluster.awaitSettled();
        assertThat(InterceptCluster.callSage()).contains("\"data\":\"from k8s\"");
    }

    @Test
    @Order(4)
    void envFileAndOneLineErrors() throws Exception {
        Path manifest = dir.resolve("envy.yaml");
        Files.writeString(manifest, ENVY);
        cluster.sandbox.apply(List.of(manifest));
        cluster.awaitSettled();
        connect();

        Kproxy.Result noService = kproxy.run("intercept", "nosuch", "1234");
        assertThat(noService.exit()).isEqualTo(1);
        assertThat(noService.err().strip()).isEqualTo("kproxy: no service wjyl-dev/nosuch: check the name and namespace"
                + " (kubectl get services -n wjyl-dev)");
        Kproxy.Result noPort = kproxy.run("intercept", "sage", "1234:9999");
        assertThat(noPort.exit()).isEqualTo(1);
        assertThat(noPort.err().strip()).startsWith("kproxy: ").contains("9999").contains("http").doesNotContain("\n");
        Kproxy.Result badLocal = kproxy.run("intercept", "sage", "http");
        assertThat(badLocal.err().strip()).isEqualTo("kproxy: local port 'http' is not a port number (1-65535): LOCAL[:REMOTE], e.g. 10519:50100");

        JsonNode sageBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").path("spec");
        Kproxy.Result noImage = kproxy.run("intercept", "sage", "1234", "--agent-image", "registry.example/no-such-jre:17",
                "--rollout-timeout", "15s");
        assertThat(noImage.exit()).as(noImage.all()).isEqualTo(1);
        assertThat(noImage.err().strip()).startsWith("kproxy: rollout of deployment wjyl-dev/sage not ready after 15s")
                .contains("container kproxy-agent: ImagePullBackOff: image \"registry.example/no-such-jre:17\"")
                .endsWith("(kproxy has restored deployment/sage)").doesNotContain("\n");
        assertThat(cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").path("spec")).isEqualTo(sageBefore);
        cluster.awaitSettled();

        Path envFile = dir.resolve("envy.json");
        Kproxy.Result envy = kproxy.run("intercept", "my-envy", String.valueOf(freePort()), "--workload", "envy", "--env-file", envFile.toString(),
                "--env-syntax", "json");
        assertThat(envy.exit()).as(envy.all() + kproxy.daemonLog()).isZero();
        assertThat(envy.out()).contains("Using Deployment envy").containsPattern("Intercept name +: my-envy")
                .contains("variables written to " + envFile);
        JsonNode env = JSON.readTree(Files.readString(envFile));
        String pod = cluster.pods("envy").keySet().iterator().next();
        assertThat(env.path("GREETING").asString()).isEqualTo("hello");
        assertThat(env.path("GREETING_WORLD").asString()).isEqualTo("hello world");
        assertThat(env.path("COLOUR").asString()).isEqualTo("blue");
        assertThat(env.path("PASSWORD").asString()).isEqualTo("s3cret");
        assertThat(env.path("MY_POD").asString()).isEqualTo(pod);
        assertThat(env.path("MY_IP").asString()).isEqualTo(cluster.pods("envy").get(pod));
        assertThat(env.path("CFG_COLOUR").asString()).as("envFrom configMapRef with prefix").isEqualTo("blue");
        assertThat(env.path("CFG_SIZE").asString()).isEqualTo("xl");
        assertThat(env.path("TOKEN").asString()).as("envFrom secretRef").isEqualTo("t0k3n");
        assertThat(env.path("SIZE").asString()).as("env overrides envFrom").isEqualTo("override");

        Kproxy.Result text = kproxy.run("list");
        assertThat(text.out()).containsPattern("envy +: intercepted by my-envy, port 8080 → 127.0.0.1:\\d+, 1/1 pods attached")
                .containsPattern("sage +: ready to intercept \\(service sage → deployment/sage, ports http 50100→http\\)");
        Kproxy.Result unknown = kproxy.run("leave", "nosuch");
        assertThat(unknown.err().strip()).isEqualTo("kproxy: no intercept named nosuch in namespace wjyl-dev: see `kproxy list`");
        Kproxy.Result nothing = kproxy.run("uninstall", "quota");
        assertThat(nothing.out()).as(nothing.all()).contains("Nothing to restore");

        Kproxy.Result uninstall = kproxy.run("uninstall", "envy");
        assertThat(uninstall.exit()).as(uninstall.all()).isZero();
        assertThat(uninstall.out()).contains("Restored service wjyl-dev/envy, deployment wjyl-dev/envy, configmap wjyl-dev/kproxy-agent.");
        assertThat(cluster.stored(ResourceCatalog.SERVICE, "envy").at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(sageRow(list()).path("state").asString()).isEqualTo("READY");
        assertThat(cluster.exists(ResourceCatalog.CONFIG_MAP, "kproxy-agent")).isFalse();
    }

    private static final String ENVY = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: envy-config, namespace: wjyl-dev}
            data: {COLOUR: blue, SIZE: xl}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: envy-secret, namespace: wjyl-dev}
            data: {PASSWORD: czNjcmV0, TOKEN: dDBrM24=}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: envy, namespace: wjyl-dev}
            spec:
              replicas: 1
              selector: {matchLabels: {app: envy}}
              template:
                metadata: {labels: {app: envy}}
                spec:
                  containers:
                    - name: envy
                      image: ghcr.io/kproxy-dev/quota:0.1.0
                      ports: [{containerPort: 8080}]
                      envFrom:
                        - configMapRef: {name: envy-config}
                          prefix: CFG_
                        - secretRef: {name: envy-secret}
                      env:
                        - {name: GREETING, value: hello}
                        - {name: GREETING_WORLD, value: "$(GREETING) world"}
                        - name: COLOUR
                          valueFrom: {configMapKeyRef: {name: envy-config, key: COLOUR}}
                        - name: PASSWORD
                          valueFrom: {secretKeyRef: {name: envy-secret, key: PASSWORD}}
                        - name: MY_POD
                          valueFrom: {fieldRef: {fieldPath: metadata.name}}
                        - name: MY_IP
                          valueFrom: {fieldRef: {fieldPath: status.podIP}}
                        - {name: SIZE, value: override}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: envy, namespace: wjyl-dev}
            spec:
              selector: {app: envy}
              ports: [{port: 8080, targetPort: 8080}]
            """;

    // ---- helpers ----

    /** A merge patch of spec.replicas, as {@code kubectl scale} falls back to (the sandbox has no scale subresource). */
    private static void replicas(String deployment, int count) {
        cluster.client.apps().deployments().inNamespace(InterceptCluster.NS).withName(deployment)
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":" + count + "}}");
    }

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

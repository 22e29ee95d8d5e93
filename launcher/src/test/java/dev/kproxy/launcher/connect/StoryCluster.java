package dev.kproxy.launcher.connect;

import dev.kproxy.sandbox.testpods.EchoPod;

import dev.kproxy.examples.sage.SageServer;
import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.api.AccessRules;
import dev.kproxy.sandbox.network.PortForwardCounters;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.awaitility.Awaitility.await;

/**
 * The sage story on a sandbox started in this JVM: sage (2 replicas) and quota from
 * {@code examples/manifests/sage.yaml}, plus an echo service ({@link EchoPod}) in wjyl-dev, and a
 * user "alice" who may list services and pods but not endpointslices (for the RBAC message).
 */
final class StoryCluster implements BenchCluster {
    static final String NS = "wjyl-dev";
    static final String ALICE_TOKEN = "alice-token-for-tests";
    static final String BOB_TOKEN = "bob-token-for-tests";

    final Sandbox sandbox;
    final KubernetesClient client;
    final Path dir;

    private StoryCluster(Sandbox sandbox, KubernetesClient client, Path dir) {
        this.sandbox = sandbox;
        this.client = client;
        this.dir = dir;
    }

    static StoryCluster start(Path dir) {
        return start(dir, Duration.ZERO);
    }

    /** With the sandbox's injected port-forward latency (for benchmarks that make the cluster feel remote). */
    static StoryCluster start(Path dir, Duration portForwardLatency) {
        try {
            Path catalogue = dir.resolve("images.yaml");
            String examples = classesOf(SageServer.class);
            String jvm = "-Djdk.net.hosts.file=${POD_DIR}/etc/hosts -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m -Xss512k";
            Files.writeString(catalogue, """
                    images:
                      ghcr.io/kproxy-dev/sage:
                        entrypoint: ["${JAVA}", "-cp", "%1$s", "dev.kproxy.examples.sage.SageServer"]
                        env: {BIND_ADDRESS: "${POD_IP}", JAVA_TOOL_OPTIONS: "%2$s"}
                      ghcr.io/kproxy-dev/quota:
                        entrypoint: ["${JAVA}", "-cp", "%1$s", "dev.kproxy.examples.quota.QuotaServer"]
                        env: {BIND_ADDRESS: "${POD_IP}", JAVA_TOOL_OPTIONS: "%2$s"}
                      test.kproxy.dev/echo:
                        entrypoint: ["${JAVA}", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m", "-cp", "%3$s", "%4$s"]
                        env: {BIND_ADDRESS: "${POD_IP}"}
                    """.formatted(examples, jvm, classesOf(EchoPod.class), EchoPod.class.getName()));
            Sandbox sandbox = Sandbox.start(SandboxConfig.builder()
                    .kubeconfig(dir.resolve("kubeconfig"))
                    .workDir(dir.resolve("run"))
                    .imageCatalogue(catalogue)
                    .portForwardLatency(portForwardLatency)
                    .user("alice", ALICE_TOKEN, AccessRules.none()
                            .allow(Set.of("get", "list", "watch"), Set.of("services", "pods"), Set.of(NS)))
                    .user("bob", BOB_TOKEN, AccessRules.none()
                            .allow(Set.of("get", "list", "watch"), Set.of("services", "pods", "endpointslices"), Set.of(NS)))
                    .build());
            sandbox.apply(List.of(Path.of("../examples/manifests/sage.yaml"), Path.of("src/test/resources/echo.yaml")));
            KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(sandbox.kubeconfig()))).build();
            StoryCluster cluster = new StoryCluster(sandbox, client, dir);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300))
                    .until(() -> sandbox.unreadyWorkloads().isEmpty());
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Path kubeconfig() {
        return sandbox.kubeconfig();
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public Pod echoPod() {
        return readyPods("echo").get(0);
    }

    /** The admin kubeconfig with alice's token: she may not list endpointslices. */
    Path aliceKubeconfig() throws IOException {
        return kubeconfigWith("alice", ALICE_TOKEN);
    }

    /** The admin kubeconfig with bob's token: he may watch everything kproxy needs but not create pods/portforward. */
    Path bobKubeconfig() throws IOException {
        return kubeconfigWith("bob", BOB_TOKEN);
    }

    private Path kubeconfigWith(String user, String token) throws IOException {
        Path file = dir.resolve(user + "-kubeconfig");
        Files.writeString(file, Files.readString(kubeconfig()).replace(sandbox.adminToken(), token));
        return file;
    }

    List<Pod> readyPods(String app) {
        return client.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && p.getStatus().getConditions() != null
                        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())))
                .toList();
    }

    String clusterIp(String service) {
        return client.services().inNamespace(NS).withName(service).get().getSpec().getClusterIP();
    }

    PortForwardCounters.PodStats counters(String pod) {
        return sandbox.portForwardCounters().snapshot().pod(NS, pod);
    }

    static String classesOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
        sandbox.close();
    }
}

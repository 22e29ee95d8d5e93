package dev.kproxy.launcher.intercept;

import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The sage story on a sandbox in this JVM, from the real {@code examples/} manifests and image catalogue
 * (the agent runs in the catalogue's {@code eclipse-temurin} stand-in): sage (2 replicas, named targetPort,
 * NodePort 30519) calling quota (numeric targetPort).
 */
final class InterceptCluster implements AutoCloseable {
    static final String NS = "wjyl-dev";
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();
    static final int SAGE_NODE_PORT = 30519;

    final Sandbox sandbox;
    final KubernetesClient client;

    private InterceptCluster(Sandbox sandbox, KubernetesClient client) {
        this.sandbox = sandbox;
        this.client = client;
    }

    static InterceptCluster start(Path dir, SandboxConfig.Builder config) {
        try {
            Sandbox sandbox = Sandbox.start(config.kubeconfig(dir.resolve("kubeconfig")).workDir(dir.resolve("run"))
                    .imageCatalogue(EXAMPLES.resolve("sandbox-images.yaml")).build());
            InterceptCluster cluster = new InterceptCluster(sandbox,
                    new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(sandbox.kubeconfig()))).build());
            sandbox.apply(List.of(EXAMPLES.resolve("manifests/sage.yaml")));
            cluster.awaitSettled();
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path kubeconfig() {
        return sandbox.kubeconfig();
    }

    /** Every workload ready and no pod of an older template still terminating. */
    void awaitSettled() {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300))
                .until(() -> sandbox.unreadyWorkloads().isEmpty() && sandbox.store().list(ResourceCatalog.POD, NS).stream()
                        .noneMatch(p -> p.path("metadata").has("deletionTimestamp")));
    }

    ObjectNode stored(ResourceType type, String name) {
        return sandbox.store().get(type, NS, name).orElseThrow().deepCopy();
    }

    boolean exists(ResourceType type, String name) {
        return sandbox.store().get(type, NS, name).isPresent();
    }

    /** Running pods of an app (not terminating), by name → pod IP. */
    Map<String, String> pods(String app) {
        Map<String, String> pods = new java.util.TreeMap<>();
        for (JsonNode p : sandbox.store().list(ResourceCatalog.POD, NS)) {
            if (app.equals(p.path("metadata").path("labels").path("app").asString("")) && !p.path("metadata").has("deletionTimestamp")) {
                pods.put(p.path("metadata").path("name").asString(), p.path("status").path("podIP").asString(""));
            }
        }
        return pods;
    }

    long tunnelStreams(String pod) {
        return sandbox.portForwardCounters().snapshot().pod(NS, pod).streamsOpened();
    }

    /** GET /v1/usage/test on sage's NodePort, on a fresh connection (the NodePort balances per connection). */
    static String callSage(Map<String, String> headers) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + SAGE_NODE_PORT + "/v1/usage/test"))
                .header("Authorization", "Bearer demo").timeout(Duration.ofSeconds(20));
        headers.forEach(request::header);
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("sage answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    static String callSage() throws IOException, InterruptedException {
        return callSage(Map.of());
    }

    @Override
    public void close() {
        client.close();
        sandbox.close();
    }
}

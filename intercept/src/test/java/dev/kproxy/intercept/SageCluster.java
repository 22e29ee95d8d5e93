package dev.kproxy.intercept;

import static org.awaitility.Awaitility.await;

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

import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sage story on a sandbox, from the real manifests and image catalogue in {@code examples/}:
 * sage (2 replicas, named targetPort, NodePort 30519) calling quota (numeric targetPort).
 */
final class SageCluster implements AutoCloseable {
    static final String NS = "wjyl-dev";
    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    final Sandbox sandbox;
    final KubernetesClient client;

    private SageCluster(Sandbox sandbox, KubernetesClient client) {
        this.sandbox = sandbox;
        this.client = client;
    }

    static SageCluster start(Path dir, SandboxConfig.Builder config) {
        try {
            Sandbox sandbox = startSandbox(config
                    .kubeconfig(dir.resolve("kubeconfig"))
                    .workDir(dir.resolve("run"))
                    .imageCatalogue(EXAMPLES.resolve("sandbox-images.yaml"))
                    .build());
            SageCluster cluster = new SageCluster(sandbox, client(sandbox.kubeconfig()));
            sandbox.apply(List.of(EXAMPLES.resolve("manifests/sage.yaml")));
            cluster.awaitSettled();
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a sandbox, waiting (up to 5 minutes) while another one holds the machine: every sandbox
     * hands out the same pod IPs and NodePorts, so only one runs at a time and a second one refuses to
     * start with "another sandbox is running"; other modules' tests may hold it for a while.
     */
    static Sandbox startSandbox(SandboxConfig config) throws IOException {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (true) {
            try {
                return Sandbox.start(config);
            } catch (IOException e) {
                if (!String.valueOf(e.getMessage()).contains("another sandbox is running") || System.nanoTime() - deadline > 0) {
                    throw e;
                }
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for another sandbox to stop", e);
            }
        }
    }

    static KubernetesClient client(Path kubeconfig) throws IOException {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    }

    /** A kubeconfig for a sandbox user configured with {@code SandboxConfig.Builder.user}: the admin's, with its token. */
    Path kubeconfigFor(String token, Path file) throws IOException {
        String admin = Files.readString(sandbox.kubeconfig());
        return Files.writeString(file, admin.replace(sandbox.adminToken(), token));
    }

    void awaitSettled() {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300))
                .until(() -> sandbox.unreadyWorkloads().isEmpty() && podsOnlyOfCurrentTemplates());
    }

    /** No pod still terminating from an earlier template. */
    private boolean podsOnlyOfCurrentTemplates() {
        return sandbox.store().list(ResourceCatalog.POD, NS).stream()
                .noneMatch(p -> p.path("metadata").has("deletionTimestamp"));
    }

    ObjectNode stored(ResourceType type, String name) {
        return sandbox.store().get(type, NS, name).orElseThrow().deepCopy();
    }

    List<ObjectNode> pods(String app) {
        return sandbox.store().list(ResourceCatalog.POD, NS).stream()
                .filter(p -> app.equals(p.path("metadata").path("labels").path("app").asString(""))).toList();
    }

    /** GET /v1/usage/test on sage's NodePort with a fresh connection (the NodePort balances per connection). */
    static String callSage() throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:30519/v1/usage/test"))
                .header("Authorization", "Bearer demo").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("sage answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    @Override
    public void close() {
        client.close();
        sandbox.close();
    }
}

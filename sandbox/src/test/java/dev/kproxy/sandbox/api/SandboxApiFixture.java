package dev.kproxy.sandbox.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A running API server over a fresh store, with an admin, a user "alice" who may only read and
 * port-forward in {@value #NS}, a fake port-forward endpoint and canned pod logs.
 */
final class SandboxApiFixture implements AutoCloseable {
    static final String NS = "wjyl-dev";
    static final String ADMIN_TOKEN = "admin-token-for-tests";
    static final String ALICE_TOKEN = "alice-token";
    static final JsonMapper JSON = JsonMapper.builder().build();

    final ObjectStore store = new ObjectStore();
    final SandboxPki pki = SandboxPki.generate();
    final AtomicInteger shutdowns = new AtomicInteger();
    final ApiServer server;
    final URI uri;
    final Path dir;

    SandboxApiFixture() {
        AccessRules aliceRules = AccessRules.none()
                .allow(Set.of("get", "list", "watch"), Set.of("*"), Set.of(NS))
                .allow(Set.of("create"), Set.of("pods/portforward"), Set.of(NS));
        server = ApiServer.builder(store, new Admission(store), pki)
                .adminToken(ADMIN_TOKEN)
                .user("alice", ALICE_TOKEN, aliceRules)
                .portForward((ctx, request, namespace, pod) -> {
                    // Stands in for the real endpoint: answers 101 and writes one byte, as a tunnel would start.
                    DefaultFullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.wrappedBuffer(new byte[] {'!'}));
                    switching.headers().set("Connection", "Upgrade").set("Upgrade", "fake-tunnel")
                            .set("X-Pod", namespace + "/" + pod);
                    ctx.writeAndFlush(switching);
                })
                .podLogs((namespace, pod, container) -> pod.equals("sage-1")
                        ? Optional.of("started " + namespace + "/" + pod + "\n") : Optional.empty())
                .status(() -> JSON.createObjectNode().put("pods", store.list(ResourceCatalog.POD, "").size()))
                .shutdown(shutdowns::incrementAndGet)
                .build();
        uri = server.start(0);
        namespace(NS);
        namespace("other");
        try {
            dir = Files.createTempDirectory("kproxy-api-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void namespace(String name) {
        ObjectNode ns = JSON.createObjectNode();
        ns.putObject("metadata").put("name", name);
        store.create(ResourceCatalog.NAMESPACE, ns);
    }

    Path kubeconfig(String token) {
        Path file = dir.resolve("kubeconfig-" + token.hashCode());
        KubeconfigWriter.write(file, uri, pki.caPem(), token, NS);
        return file;
    }

    KubernetesClient client(String token) {
        Config config = Config.fromKubeconfig(kubeconfig(token).toFile());
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    HttpClient http() {
        return HttpClient.newBuilder().sslContext(pki.clientSslContext()).version(HttpClient.Version.HTTP_1_1).build();
    }

    HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri.resolve(path));
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        store.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package dev.kproxy.k8s;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.api.ApiServer;
import dev.kproxy.sandbox.api.KubeconfigWriter;
import dev.kproxy.sandbox.network.PortForwardCounters;
import dev.kproxy.sandbox.network.PortForwardServer;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The sandbox's API server (HTTPS, its own CA, bearer token) with the sandbox's port-forward, over
 * a fresh store. No kubelet: pods get a local echo server as their process and their status
 * through the API, which is what the sandbox kubelet does for a real child process.
 */
final class SandboxCluster implements AutoCloseable {

    private static final String ADMIN_TOKEN = "transport-tests-admin";

    private final ObjectStore store = new ObjectStore();
    private final PortForwardCounters counters = new PortForwardCounters();
    private final PortForwardServer portForward = new PortForwardServer(store, counters, Duration.ZERO);
    private final SandboxPki pki = SandboxPki.generate();
    private final ApiServer api;
    private final URI uri;
    private final Path kubeconfig;
    private final KubernetesClient client;
    private final List<EchoServer> pods = new ArrayList<>();

    private SandboxCluster() throws IOException {
        api = ApiServer.builder(store, new Admission(store), pki).adminToken(ADMIN_TOKEN).portForward(portForward).build();
        uri = api.start(0);
        kubeconfig = Files.createTempFile("kproxy-transport", ".kubeconfig");
        KubeconfigWriter.write(kubeconfig, uri, pki.caPem(), ADMIN_TOKEN, "default");
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig.toFile())).build();
    }

    static SandboxCluster start() {
        try {
            return new SandboxCluster();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    KubernetesClient client() {
        return client;
    }

    ClusterCredentials credentials() {
        return ClusterCredentials.of(Config.fromKubeconfig(kubeconfig.toFile()));
    }

    /**
     * A pod created through fabric8 whose process is a local echo server: its status (Running,
     * Ready, IP 127.0.0.1) is written through the status subresource, as a kubelet does.
     * Returns the port the echo server listens on.
     */
    int startEchoPod(String namespace, String name) {
        EchoServer echo = new EchoServer();
        pods.add(echo);
        Pod created = client.pods().inNamespace(namespace).resource(new PodBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().addNewContainer().withName("echo").withImage("echo").endContainer().endSpec()
                .build()).create();
        created.setStatus(new PodStatusBuilder().withPhase("Running").withPodIP("127.0.0.1")
                .addNewPodIP().withIp("127.0.0.1").endPodIP()
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .build());
        client.pods().inNamespace(namespace).resource(created).updateStatus();
        return echo.port();
    }

    /** Stops and restarts the API server on the same port: watches break, informers must re-list. */
    void restartApiServer(Runnable whileDown) {
        api.close();
        whileDown.run();
        api.start(uri.getPort());
    }

    /** The sandbox's port-forward endpoint: refuse carriers, drop every upgraded connection. */
    PortForwardServer portForwardServer() {
        return portForward;
    }

    java.util.Map<String, Long> streamsByProtocol() {
        return counters.snapshot().streamsByProtocol();
    }

    long portForwardsOpened(String namespace, String pod) {
        return counters.snapshot().pod(namespace, pod).streamsOpened();
    }

    long bytesPodToClient(String namespace, String pod) {
        return counters.snapshot().pod(namespace, pod).bytesPodToClient();
    }

    long portForwardsClosed(String namespace, String pod) {
        return counters.snapshot().pod(namespace, pod).streamsClosed();
    }

    @Override
    public void close() {
        client.close();
        api.close();
        portForward.close();
        pods.forEach(EchoServer::close);
        store.close();
        try {
            Files.deleteIfExists(kubeconfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

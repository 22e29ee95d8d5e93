package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.api.ApiServer;
import dev.kproxy.sandbox.api.KubeconfigWriter;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Real kubectl 1.32 through the sandbox's API server (HTTPS, bearer token, discovery) and its
 * port-forward, in both SPDY modes: the WebSocket tunnel (kubectl's default) and the plain SPDY
 * upgrade ({@code KUBECTL_PORT_FORWARD_WEBSOCKETS=false}). The pod is an echo server on its own
 * loopback pod IP, port 7000.
 */
class KubectlSpdyPortForwardTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String TUNNEL = "SPDY/3.1+portforward.k8s.io";
    private static final String PLAIN = "SPDY/3.1";
    private static final int POD_PORT = 7000;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ObjectStore store = new ObjectStore();
    private final PortForwardCounters counters = new PortForwardCounters();
    private PortForwardServer portForward;
    private ApiServer api;
    private BlockingTcpServer echo;
    private String podIp;
    private String podUid;
    private Path kubeconfig;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(KubectlPortForward.available(), () -> {
            System.out.println("skipped: " + KubectlPortForward.KUBECTL + " is not installed");
            return "kubectl not installed";
        });
        SandboxPki pki = SandboxPki.generate();
        portForward = new PortForwardServer(store, counters, Duration.ZERO);
        api = ApiServer.builder(store, new Admission(store), pki).adminToken("admin").portForward(portForward).build();
        var uri = api.start(0);
        kubeconfig = dir.resolve("kubeconfig");
        KubeconfigWriter.write(kubeconfig, uri, pki.caPem(), "admin", "default");

        ThreadLocalRandom random = ThreadLocalRandom.current();
        podIp = "127.77." + random.nextInt(1, 255) + "." + random.nextInt(2, 255);
        echo = new BlockingTcpServer(podIp, POD_PORT, BlockingTcpServer.ECHO);
        store.create(ResourceCatalog.NAMESPACE, (ObjectNode) JSON.readTree("{\"metadata\":{\"name\":\"default\"}}"));
        podUid = store.create(ResourceCatalog.POD, (ObjectNode) JSON.readTree("""
                {"metadata":{"name":"echo","namespace":"default","labels":{"app":"echo"}},
                 "spec":{"containers":[{"name":"echo","image":"echo","ports":[{"name":"echo","containerPort":7000}]}]},
                 "status":{"phase":"Running","podIP":"%s","conditions":[{"type":"Ready","status":"True"}]}}
                """.formatted(podIp))).path("metadata").path("uid").asString();
        store.create(ResourceCatalog.SERVICE, (ObjectNode) JSON.readTree("""
                {"metadata":{"name":"echo","namespace":"default"},
                 "spec":{"selector":{"app":"echo"},"clusterIP":"10.96.0.77",
                         "ports":[{"name":"echo","port":80,"targetPort":"echo","protocol":"TCP"}]}}
                """));
    }

    @AfterEach
    void stop() throws Exception {
        if (portForward == null) {
            return;
        }
        portForward.close();
        api.close();
        echo.close();
        store.close();
    }

    @Test
    void webSocketTunnelCarriesThirtyTwoConcurrentEchoConnections() throws Exception {
        thirtyTwoEchoes(true, TUNNEL);
    }

    @Test
    void plainSpdyCarriesThirtyTwoConcurrentEchoConnections() throws Exception {
        thirtyTwoEchoes(false, PLAIN);
    }

    private void thirtyTwoEchoes(boolean websockets, String protocol) throws Exception {
        int bytesEach = 4 << 20;
        try (KubectlPortForward kubectl = KubectlPortForward.start(kubeconfig, "default", "pod/echo", POD_PORT, websockets, WAIT)) {
            assertThat(EchoLoad.mismatches(kubectl.localPort(), 32, bytesEach)).isZero();
            await().atMost(WAIT).until(() -> counters.snapshot().pod("default", "echo").streamsClosed() == 32);
            var snapshot = counters.snapshot();
            assertThat(snapshot.upgradesByProtocol()).containsEntry(protocol, 1L).hasSize(1);
            assertThat(snapshot.streamsByProtocol()).containsEntry(protocol, 32L).hasSize(1);
            var pod = snapshot.pod("default", "echo");
            assertThat(pod.streamsOpened()).isEqualTo(32);
            assertThat(pod.bytesClientToPod()).isEqualTo(32L * bytesEach);
            assertThat(pod.bytesPodToClient()).isEqualTo(32L * bytesEach);
            assertThat(kubectl.alive()).isTrue();
        }
    }

    @Test
    void serviceForwardResolvesTheNamedTargetPortInBothModes() throws Exception {
        for (boolean websockets : new boolean[] {true, false}) {
            try (KubectlPortForward kubectl = KubectlPortForward.start(kubeconfig, "default", "svc/echo", 80, websockets, WAIT)) {
                assertThat(EchoLoad.mismatches(kubectl.localPort(), 4, 1 << 20)).isZero();
            }
        }
        await().atMost(WAIT).until(() -> counters.snapshot().pod("default", "echo").streamsClosed() == 8);
        assertThat(counters.snapshot().streamsByProtocol()).containsEntry(TUNNEL, 4L).containsEntry(PLAIN, 4L);
        assertThat(echo.accepted.get()).isEqualTo(8);
    }

    @Test
    void refusedPodPortShowsTheKubeletErrorInKubectlsOwnStderr() throws Exception {
        int closedPort = POD_PORT + 1;
        for (boolean websockets : new boolean[] {true, false}) {
            try (KubectlPortForward kubectl = KubectlPortForward.start(kubeconfig, "default", "pod/echo", closedPort, websockets, WAIT);
                 Socket socket = new Socket("127.0.0.1", kubectl.localPort())) {
                assertThat(socket.getInputStream().readAllBytes()).isEmpty();
                await().atMost(WAIT).untilAsserted(() -> assertThat(kubectl.stderr())
                        .contains("error forwarding port " + closedPort + " to pod " + podUid)
                        .contains("dial tcp4 " + podIp + ":" + closedPort + ": connect: connection refused"));
            }
        }
        assertThat(counters.snapshot().streamsByProtocol()).containsEntry(TUNNEL, 1L).containsEntry(PLAIN, 1L);
        await().atMost(WAIT).until(() -> counters.snapshot().pod("default", "echo").streamsClosed() == 2);
    }
}

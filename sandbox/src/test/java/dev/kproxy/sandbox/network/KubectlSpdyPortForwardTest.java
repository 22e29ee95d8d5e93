package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


/**
 * Real kubectl 1.32 against the sandbox's port-forward behind a plain-HTTP API stand-in, in both
 * SPDY modes: the WebSocket tunnel (kubectl's default) and the plain SPDY upgrade.
 */
class KubectlSpdyPortForwardTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String TUNNEL = "SPDY/3.1+portforward.k8s.io";
    private static final String PLAIN = "SPDY/3.1";

    private PortForwardRig rig;
    private PortForwardCounters counters;
    private BlockingTcpServer echo;
    private Path kubeconfig;

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(KubectlPortForward.available(), () -> {
            System.out.println("skipped: " + KubectlPortForward.KUBECTL + " is not installed");
            return "kubectl not installed";
        });
        rig = new PortForwardRig("echo", true);
        counters = rig.counters;
        echo = rig.echo;
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: harness
                  cluster:
                    server: http://127.0.0.1:%d
                users:
                - name: harness
                  user: {}
                contexts:
                - name: harness
                  context: {cluster: harness, user: harness, namespace: default}
                current-context: harness
                """.formatted(rig.api.port()));
    }

    @AfterEach
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
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
        try (KubectlPortForward kubectl = KubectlPortForward.start(kubeconfig, "default", "pod/echo", echo.port(), websockets, WAIT)) {
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
    void refusedPodPortShowsTheKubeletErrorInKubectlsOwnStderr() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        for (boolean websockets : new boolean[] {true, false}) {
            try (KubectlPortForward kubectl = KubectlPortForward.start(kubeconfig, "default", "pod/echo", closedPort, websockets, WAIT);
                 Socket socket = new Socket("127.0.0.1", kubectl.localPort())) {
                InputStream in = socket.getInputStream();
                assertThat(in.readAllBytes()).isEmpty();
                await().atMost(WAIT).untilAsserted(() -> assertThat(kubectl.stderr())
                        .contains("error forwarding port " + closedPort + " to pod " + rig.podUid)
                        .contains("dial tcp4 127.0.0.1:" + closedPort + ": connect: connection refused"));
            }
        }
        assertThat(counters.snapshot().streamsByProtocol()).containsEntry(TUNNEL, 1L).containsEntry(PLAIN, 1L);
        await().atMost(WAIT).until(() -> counters.snapshot().pod("default", "echo").streamsClosed() == 2);
    }
}

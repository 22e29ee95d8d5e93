package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.Socket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.testpods.EchoPod;

/**
 * Real kubectl 1.32 against a whole sandbox (API server over HTTPS, kubelet running
 * {@link EchoPod} as a child process, port-forward), in both SPDY modes: the WebSocket tunnel
 * (kubectl's default) and the plain SPDY upgrade ({@code KUBECTL_PORT_FORWARD_WEBSOCKETS=false}).
 * One sandbox serves the class, so each test compares counters before and after.
 */
class KubectlSpdyPortForwardTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String TUNNEL = "SPDY/3.1+portforward.k8s.io";
    private static final String PLAIN = "SPDY/3.1";
    private static final int ECHO_PORT = 7000;
    /** EchoPod listens on 7000 and 7001 only. */
    private static final int CLOSED_PORT = 7999; // EchoPod listens on 7000-7002

    @TempDir
    static Path dir;
    private static Sandbox sandbox;
    private static String podUid;
    private static String podIp;

    @BeforeAll
    static void startSandbox() throws Exception {
        Assumptions.assumeTrue(KubectlPortForward.available(), () -> {
            System.out.println("skipped: " + KubectlPortForward.KUBECTL + " is not installed");
            return "kubectl not installed";
        });
        Path catalogue = dir.resolve("images.yaml");
        Files.writeString(catalogue, """
                images:
                  test.kproxy.dev/echo:
                    entrypoint: ["${JAVA}", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-cp", "%s", "%s"]
                    env:
                      BIND_ADDRESS: "${POD_IP}"
                      POD_NAME: "${POD_NAME}"
                """.formatted(Path.of(EchoPod.class.getProtectionDomain().getCodeSource().getLocation().toURI()),
                EchoPod.class.getName()));
        Path manifest = dir.resolve("echo.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: echo
                  labels: {app: echo}
                spec:
                  containers:
                  - name: echo
                    image: test.kproxy.dev/echo:1
                    ports:
                    - {name: echo, containerPort: 7000}
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: echo-service
                spec:
                  selector: {app: echo}
                  ports:
                  - {name: echo, port: 80, targetPort: echo}
                """);
        sandbox = Sandbox.start(SandboxConfig.builder()
                .kubeconfig(dir.resolve("kubeconfig"))
                .workDir(dir.resolve("run"))
                .imageCatalogue(catalogue)
                .build());
        sandbox.apply(List.of(manifest));
        await().atMost(WAIT).until(() -> sandbox.store().get(ResourceCatalog.POD, "default", "echo")
                .map(p -> p.path("status").path("phase").asString("").equals("Running")
                        && p.path("status").path("containerStatuses").path(0).path("ready").asBoolean(false))
                .orElse(false));
        var pod = sandbox.store().get(ResourceCatalog.POD, "default", "echo").orElseThrow();
        podUid = pod.path("metadata").path("uid").asString();
        podIp = pod.path("status").path("podIP").asString();
    }

    @AfterAll
    static void stopSandbox() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    private static PortForwardCounters.Snapshot counters() {
        return sandbox.portForwardCounters().snapshot();
    }

    private static long closedStreams() {
        return counters().pod("default", "echo").streamsClosed();
    }

    private static long count(Map<String, Long> byProtocol, String protocol) {
        return byProtocol.getOrDefault(protocol, 0L);
    }

    @Test
    void webSocketTunnelCarriesThirtyTwoConcurrentEchoConnectionsOfFourMiB() throws Exception {
        thirtyTwoEchoes(true, TUNNEL);
    }

    @Test
    void plainSpdyCarriesThirtyTwoConcurrentEchoConnectionsOfFourMiB() throws Exception {
        thirtyTwoEchoes(false, PLAIN);
    }

    private void thirtyTwoEchoes(boolean websockets, String protocol) throws Exception {
        int bytesEach = 4 << 20;
        var before = counters();
        var podBefore = before.pod("default", "echo");
        try (KubectlPortForward kubectl = KubectlPortForward.start(sandbox.kubeconfig(), "default", "pod/echo", ECHO_PORT,
                websockets, WAIT)) {
            assertThat(EchoLoad.mismatches(kubectl.localPort(), 32, bytesEach)).isZero();
            await().atMost(WAIT).until(() -> closedStreams() == podBefore.streamsClosed() + 32);
            var after = counters();
            assertThat(count(after.upgradesByProtocol(), protocol)).isEqualTo(count(before.upgradesByProtocol(), protocol) + 1);
            assertThat(count(after.streamsByProtocol(), protocol)).isEqualTo(count(before.streamsByProtocol(), protocol) + 32);
            var pod = after.pod("default", "echo");
            assertThat(pod.streamsOpened()).isEqualTo(podBefore.streamsOpened() + 32);
            assertThat(pod.bytesClientToPod() - podBefore.bytesClientToPod()).isEqualTo(32L * bytesEach);
            assertThat(pod.bytesPodToClient() - podBefore.bytesPodToClient()).isEqualTo(32L * bytesEach);
            assertThat(kubectl.alive()).isTrue();
            assertThat(kubectl.stderr()).isEmpty();
        }
    }

    @Test
    void serviceForwardGoesToThePodBehindTheNamedTargetPortInBothModes() throws Exception {
        for (boolean websockets : new boolean[] {true, false}) {
            String protocol = websockets ? TUNNEL : PLAIN;
            var before = counters();
            try (KubectlPortForward kubectl = KubectlPortForward.start(sandbox.kubeconfig(), "default", "svc/echo-service", 80,
                    websockets, WAIT)) {
                assertThat(EchoLoad.mismatches(kubectl.localPort(), 4, 1 << 20)).isZero();
            }
            assertThat(count(counters().streamsByProtocol(), protocol)).isEqualTo(count(before.streamsByProtocol(), protocol) + 4);
            assertThat(counters().pod("default", "echo").bytesPodToClient() - before.pod("default", "echo").bytesPodToClient())
                    .isEqualTo(4L << 20);
        }
    }

    @Test
    void refusedPodPortShowsTheKubeletErrorInKubectlsOwnStderr() throws Exception {
        for (boolean websockets : new boolean[] {true, false}) {
            String protocol = websockets ? TUNNEL : PLAIN;
            var before = counters();
            try (KubectlPortForward kubectl = KubectlPortForward.start(sandbox.kubeconfig(), "default", "pod/echo", CLOSED_PORT,
                    websockets, WAIT);
                 Socket socket = new Socket("127.0.0.1", kubectl.localPort())) {
                assertThat(socket.getInputStream().readAllBytes()).isEmpty();
                await().atMost(WAIT).untilAsserted(() -> assertThat(kubectl.stderr())
                        .contains("error forwarding port " + CLOSED_PORT + " to pod " + podUid)
                        .contains("dial tcp4 " + podIp + ":" + CLOSED_PORT + ": connect: connection refused"));
            }
            assertThat(count(counters().streamsByProtocol(), protocol)).isEqualTo(count(before.streamsByProtocol(), protocol) + 1);
        }
    }
}

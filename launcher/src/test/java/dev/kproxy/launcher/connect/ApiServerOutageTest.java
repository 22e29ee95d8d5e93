package dev.kproxy.launcher.connect;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The API server goes away under a connected daemon and comes back on the same address (a cut
 * {@link ApiServerCable}): meanwhile new connections fail at once with the SOCKS "network
 * unreachable" reply and a status error that names the API server; afterwards the daemon
 * recovers by itself, including the cluster changes it missed while cut off.
 */
class ApiServerOutageTest {
    @TempDir
    static Path dir;
    static StoryCluster cluster;
    static ApiServerCable cable;
    static Outbound outbound;

    @BeforeAll
    static void start() throws IOException {
        cluster = StoryCluster.start(dir);
        String kubeconfig = Files.readString(cluster.kubeconfig());
        URI server = URI.create(cluster.client.getConfiguration().getMasterUrl());
        cable = new ApiServerCable(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort()));
        Path cabled = dir.resolve("cabled-kubeconfig");
        Files.writeString(cabled, kubeconfig.replace("127.0.0.1:" + server.getPort(), "127.0.0.1:" + cable.port()));
        outbound = Outbound.start(ConnectOptions.of(cabled, StoryCluster.NS));
    }

    @AfterAll
    static void stop() throws IOException {
        if (outbound != null) {
            outbound.close();
        }
        if (cable != null) {
            cable.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void newConnectionsFailClearlyWhileTheApiServerIsGoneAndWorkAgainWhenItIsBack() throws Exception {
        String before = podName("echo.wjyl-dev", 7001);
        assertThat(cluster.readyPods("echo")).extracting(p -> p.getMetadata().getName()).contains(before);

        cable.cut();
        assertThat(socks5ConnectReply("echo.wjyl-dev", 7001)).as("SOCKS5 REP: network unreachable").isEqualTo(0x03);
        assertThat(outbound.status().path("recentErrors").path("echo.wjyl-dev:7001").toString())
                .contains("cannot connect to the API server https://127.0.0.1:" + cable.port() + ": Connection refused");

        // A Service created while the daemon cannot see the cluster: it must show up once it can.
        cluster.client.services().inNamespace(StoryCluster.NS).resource(new ServiceBuilder()
                .withNewMetadata().withName("late").withNamespace(StoryCluster.NS).endMetadata()
                .withNewSpec().addToSelector("app", "echo")
                .addNewPort().withName("name").withPort(7101).withTargetPort(new IntOrString(7001)).endPort()
                .endSpec().build()).create();
        cable.mend();

        AtomicReference<String> late = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .untilAsserted(() -> late.set(podName("late.wjyl-dev", 7101)));
        assertThat(late.get()).isEqualTo(podName("echo.wjyl-dev", 7001)).isEqualTo(before);
        assertThat(cluster.counters(before).streamsOpened()).isGreaterThanOrEqualTo(3);
    }

    private static String podName(String host, int port) throws IOException {
        try (Socket s = Clients.socks(outbound.proxyPort(), host, port)) {
            return Clients.readLine(s);
        }
    }

    /** A hand-made SOCKS5 CONNECT by name; returns the reply's REP byte. */
    private static int socks5ConnectReply(String host, int port) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), outbound.proxyPort())) {
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            out.write(new byte[] {5, 1, 0});
            assertThat(in.readUnsignedByte()).isEqualTo(5);
            assertThat(in.readUnsignedByte()).isZero();
            byte[] name = host.getBytes(StandardCharsets.US_ASCII);
            out.write(new byte[] {5, 1, 0, 3, (byte) name.length});
            out.write(name);
            out.write(new byte[] {(byte) (port >> 8), (byte) port});
            assertThat(in.readUnsignedByte()).isEqualTo(5);
            return in.readUnsignedByte();
        }
    }
}

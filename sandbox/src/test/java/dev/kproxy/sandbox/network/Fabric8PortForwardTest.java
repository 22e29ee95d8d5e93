package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.LocalPortForward;

/** fabric8's own port-forward (v4.channel.k8s.io WebSocket) through the sandbox to a local echo pod. */
class Fabric8PortForwardTest {
    private PortForwardRig rig;
    private PortForwardCounters counters;
    private BlockingTcpServer echo;
    private KubernetesClient client;

    @BeforeEach
    void start() throws Exception {
        rig = new PortForwardRig("echo");
        counters = rig.counters;
        echo = rig.echo;
        client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder().withMasterUrl("http://127.0.0.1:" + rig.api.port()).withNamespace("default").build())
                .build();
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        rig.close();
    }

    @Test
    void fabric8LocalPortForwardEchoes() throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(3).nextBytes(payload);
        try (LocalPortForward forward = client.pods().inNamespace("default").withName("echo").portForward(echo.port());
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), forward.getLocalPort())) {
            Thread writer = new Thread(() -> {
                try {
                    socket.getOutputStream().write(payload);
                } catch (java.io.IOException ignored) {
                    // The read below fails the test.
                }
            });
            writer.start();
            byte[] back = new byte[payload.length];
            new DataInputStream(socket.getInputStream()).readFully(back);
            writer.join();
            assertThat(back).isEqualTo(payload);
            assertThat(forward.errorOccurred()).isFalse();
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> counters.snapshot().pod("default", "echo").streamsClosed() == 1);
        assertThat(counters.snapshot().pod("default", "echo").bytesClientToPod()).isEqualTo(payload.length);
    }
}

package dev.kproxy.k8s;

import io.netty.channel.Channel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dialer against the sandbox: its HTTPS API server (CA and token from the kubeconfig), its
 * port-forward, and a pod running an echo server as a real process.
 */
class PortForwardSandboxTest {

    private static final String NS = "pf";
    private static final String POD = "echo-0";
    private static SandboxCluster cluster;
    private static PortForwardDialer dialer;
    private static ClusterIndex index;
    private static int echoPort;

    @BeforeAll
    static void startEchoPod() throws Exception {
        cluster = SandboxCluster.start();
        new ClusterObjects(cluster.client()).namespace(NS);
        echoPort = cluster.startEchoPod(NS, POD);
        dialer = new PortForwardDialer(cluster.credentials());
        index = ClusterIndex.start(cluster.client(), Set.of());
        index.ready().get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() {
        if (index != null) {
            index.close();
        }
        if (dialer != null) {
            dialer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void carries64MiBEachWayThroughThePodUnchanged() throws Exception {
        Channel channel = dialer.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        EchoProbe.Digests digests = EchoProbe.start(channel, 64L << 20).result().get(300, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());
        channel.close().sync();
    }

    @Test
    void podIpsAndPodNamesResolveToThePod() {
        await().atMost(30, TimeUnit.SECONDS).until(() -> index.pod(NS, POD).map(ClusterPod::running).orElse(false));
        String ip = index.pod(NS, POD).orElseThrow().ips().get(0);
        TargetResolver resolver = new TargetResolver(index, "default", "cluster.local", false);
        Target expected = new Target.PodTarget(NS, POD, echoPort);
        assertThat(resolver.resolve(ip, echoPort)).isEqualTo(expected);
        assertThat(resolver.resolve(ip.replace('.', '-') + "." + NS + ".pod.cluster.local", echoPort)).isEqualTo(expected);
        assertThat(resolver.resolve(ip.replace('.', '-') + ".other.pod.cluster.local", echoPort)).isInstanceOf(Target.Refused.class);
    }

    @Test
    void refusedPodPortFailsWithTheErrorChannelText() throws Exception {
        int closedPort = unusedPort();
        PortForwardException failure = DialFailures.of(dialer.open(NS, POD, closedPort));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.REMOTE_ERROR);
        assertThat(failure.getMessage()).contains(String.valueOf(closedPort));
    }

    @Test
    void missingPodIsNamed() throws Exception {
        PortForwardException failure = DialFailures.of(dialer.open(NS, "nobody", echoPort));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.POD_NOT_FOUND);
        assertThat(failure.getMessage()).startsWith("pod nobody not found in namespace pf");
    }

    @Test
    void thousandOpenCloseCyclesLeaveNoChannelBehind() throws Exception {
        for (int i = 0; i < 1000; i++) {
            Channel channel = dialer.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
            EchoProbe.Digests digests = EchoProbe.start(channel, 16).result().get(60, TimeUnit.SECONDS);
            assertThat(digests.received()).isEqualTo(digests.sent());
            channel.close().sync();
        }
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(dialer.openChannels()).isZero();
            assertThat(cluster.portForwardsClosed(NS, POD)).isEqualTo(cluster.portForwardsOpened(NS, POD));
        });
        assertThat(cluster.portForwardsOpened(NS, POD)).isGreaterThanOrEqualTo(1000);
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

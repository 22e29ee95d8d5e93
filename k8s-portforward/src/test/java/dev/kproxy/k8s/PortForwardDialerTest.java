package dev.kproxy.k8s;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The dialer against the sandbox's port-forward server behind {@link TestApiServer}, with a local echo server as the pod. */
class PortForwardDialerTest {

    private TestApiServer server;
    private EchoServer echo;
    private PortForwardDialer dialer;

    @BeforeEach
    void start() {
        server = new TestApiServer("s3cret");
        echo = new EchoServer();
        dialer = new PortForwardDialer(ClusterCredentials.fromKubeconfig(server.kubeconfig("s3cret")));
    }

    @AfterEach
    void stop() {
        dialer.close();
        echo.close();
        server.close();
    }

    @Test
    void carries64MiBEachWayUnchanged() throws Exception {
        Channel channel = dialer.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()).get(30, TimeUnit.SECONDS);
        EchoProbe.Digests digests = EchoProbe.start(channel, 64L << 20).result().get(120, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());
        channel.close().sync();
        await().untilAsserted(() -> assertThat(server.portForwardsClosed()).isEqualTo(server.portForwardsOpened()));
        assertThat(dialer.openChannels()).isZero();
    }

    @Test
    void halfCloseByARelayClosesThePortForwardCleanly() throws Exception {
        Channel channel = dialer.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()).get(30, TimeUnit.SECONDS);
        EchoProbe.Digests digests = EchoProbe.start(channel, 1000).result().get(30, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());

        List<Integer> closeCodesSent = new CopyOnWriteArrayList<>();
        channel.pipeline().addAfter("ws-encoder", "close-spy", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                if (msg instanceof CloseWebSocketFrame close) {
                    closeCodesSent.add(close.statusCode());
                }
                ctx.write(msg, promise);
            }
        });

        assertThat(((DuplexChannel) channel).shutdownOutput().await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(channel.closeFuture().await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(closeCodesSent).containsExactly(1000);
        await().untilAsserted(() -> assertThat(server.portForwardsClosed()).isEqualTo(1));
    }

    @Test
    void refusedPodPortFailsWithTheErrorChannelText() throws Exception {
        int closedPort = unusedPort();
        PortForwardException failure = DialFailures.of(dialer.open(TestApiServer.NAMESPACE, TestApiServer.POD, closedPort));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.REMOTE_ERROR);
        assertThat(failure.getMessage()).startsWith("error forwarding port " + closedPort + " to pod ");
    }

    @Test
    void missingPodIsNamed() throws Exception {
        PortForwardException failure = DialFailures.of(dialer.open(TestApiServer.NAMESPACE, "missing", echo.port()));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.POD_NOT_FOUND);
        assertThat(failure.getMessage()).startsWith("pod missing not found in namespace team");
    }

    @Test
    void forbiddenNamesTheMissingPermission() throws Exception {
        PortForwardException failure = DialFailures.of(dialer.open("forbidden", TestApiServer.POD, echo.port()));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.FORBIDDEN);
        assertThat(failure.getMessage()).contains("create pods/portforward in namespace forbidden");
    }

    @Test
    void rejectedTokenIsRefreshedFromTheKubeconfigOnce(@TempDir Path dir) throws Exception {
        Path kubeconfig = dir.resolve("config");
        Files.writeString(kubeconfig, server.kubeconfig("old-token"));
        try (PortForwardDialer fromFile = new PortForwardDialer(ClusterCredentials.of(
                io.fabric8.kubernetes.client.Config.fromKubeconfig(kubeconfig.toFile())))) {
            PortForwardException failure = DialFailures.of(fromFile.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()));
            assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.UNAUTHORIZED);
            assertThat(failure.getMessage()).contains("rejected your credentials");

            Files.writeString(kubeconfig, server.kubeconfig("s3cret"));
            Channel channel = fromFile.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()).get(30, TimeUnit.SECONDS);
            EchoProbe.Digests digests = EchoProbe.start(channel, 1000).result().get(30, TimeUnit.SECONDS);
            assertThat(digests.received()).isEqualTo(digests.sent());
            channel.close().sync();
        }
    }

    @Test
    void thousandOpenCloseCyclesLeaveNothingBehind() throws Exception {
        cycles(20);
        long threadsAfterWarmUp = liveThreads();
        cycles(1000);
        await().untilAsserted(() -> assertThat(server.portForwardsClosed()).isEqualTo(server.portForwardsOpened()));
        assertThat(server.portForwardsOpened()).isEqualTo(1020);
        assertThat(dialer.openChannels()).isZero();
        assertThat(liveThreads()).isLessThanOrEqualTo(threadsAfterWarmUp);
    }

    private void cycles(int count) throws Exception {
        for (int i = 0; i < count; i++) {
            Channel channel = dialer.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()).get(30, TimeUnit.SECONDS);
            EchoProbe.Digests digests = EchoProbe.start(channel, 16).result().get(30, TimeUnit.SECONDS);
            assertThat(digests.received()).isEqualTo(digests.sent());
            channel.close().sync();
        }
    }

    /** Netty's GlobalEventExecutor thread comes and goes by itself; every other thread counts. */
    private static long liveThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.getName().startsWith("globalEventExecutor"))
                .count();
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

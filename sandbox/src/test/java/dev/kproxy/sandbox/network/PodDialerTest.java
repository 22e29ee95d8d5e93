package dev.kproxy.sandbox.network;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Real loopback sockets on an address no sandbox pod uses; the listener plays the pod. */
class PodDialerTest {
    private static final String POD_IP = "127.244.250.7";
    private static EventLoopGroup group;
    private static EventLoop loop;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        loop = group.next();
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void theDialComesFromThePodIpOnAPortAboveTheEphemeralRange() throws Exception {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        assumeTrue(Files.isReadable(range), "no ip_local_port_range here (not Linux): the kernel picks the port");
        int ephemeralLast = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[1]);
        assumeTrue(ephemeralLast + SourcePorts.MINIMUM <= 65535, "the ephemeral range reaches the top: the kernel picks the port");
        try (ServerSocket pod = listen()) {
            Channel dialled = dial(pod, SourcePorts.aboveEphemeralRange());
            try (Socket accepted = pod.accept()) {
                assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo(POD_IP);
                assertThat(accepted.getPort()).isGreaterThan(ephemeralLast).isEqualTo(localPort(dialled));
            } finally {
                dialled.close().syncUninterruptibly();
            }
        }
    }

    @Test
    void aSourcePortThatIsTakenIsSkipped() throws Exception {
        try (ServerSocket pod = listen(); ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName(POD_IP))) {
            int taken = squatter.getLocalPort();
            SourcePorts ports = new SourcePorts(taken, taken + 1, 0);
            Channel dialled = dial(pod, ports);
            try (Socket accepted = pod.accept()) {
                assertThat(accepted.getPort()).isEqualTo(taken + 1);
                assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo(POD_IP);
            } finally {
                dialled.close().syncUninterruptibly();
            }
        }
    }

    @Test
    void aRefusingPodFailsAtOnceWithoutTryingOtherPorts() throws Exception {
        int closedPort;
        try (ServerSocket gone = listen()) {
            closedPort = gone.getLocalPort();
        }
        SourcePorts ports = new SourcePorts(40_000, 40_009, 0);
        int first = ports.next();
        Future<Channel> dial = PodDialer.dial(loop, POD_IP, closedPort, ChannelInboundHandlerAdapter::new, false, ports);
        assertThat(dial.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(dial.cause()).isInstanceOf(ConnectException.class);
        assertThat(ports.next()).as("one port taken by the failed dial, none by retries").isEqualTo(first + 2);
    }

    @Test
    void withoutARangeTheKernelPicksThePort() throws Exception {
        try (ServerSocket pod = listen()) {
            Channel dialled = dial(pod, SourcePorts.none());
            try (Socket accepted = pod.accept()) {
                assertThat(accepted.getInetAddress().getHostAddress()).isEqualTo(POD_IP);
                assertThat(accepted.getPort()).isEqualTo(localPort(dialled)).isPositive();
            } finally {
                dialled.close().syncUninterruptibly();
            }
        }
    }

    private static ServerSocket listen() throws Exception {
        return new ServerSocket(0, 50, InetAddress.getByName(POD_IP));
    }

    private static Channel dial(ServerSocket pod, SourcePorts ports) throws Exception {
        Future<Channel> dial = PodDialer.dial(loop, POD_IP, pod.getLocalPort(), ChannelInboundHandlerAdapter::new, false, ports);
        assertThat(dial.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(dial.cause()).isNull();
        return dial.getNow();
    }

    private static int localPort(Channel channel) {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }
}

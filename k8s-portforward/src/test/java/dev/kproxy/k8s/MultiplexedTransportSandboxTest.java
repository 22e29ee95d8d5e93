package dev.kproxy.k8s;

import dev.kproxy.k8s.spdy.NegotiatedTransport;
import dev.kproxy.k8s.spdy.TransportMode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The multiplexed transports (SPDY tunnelled in a WebSocket, plain SPDY) and the negotiation,
 * through the sandbox's HTTPS API server and its port-forward server (the judge: written from the
 * kubelet's sources, sharing no code with this client) to pods that are real local servers.
 */
class MultiplexedTransportSandboxTest {

    private static final String NS = "mux";
    private static final String POD = "echo-0";
    private static final String EOF_POD = "eof-0";
    private static SandboxCluster cluster;
    private static final Map<TransportMode, NegotiatedTransport> transports = new EnumMap<>(TransportMode.class);
    private static int echoPort;
    private static EofReplyServer eofServer;

    @BeforeAll
    static void start() throws Exception {
        cluster = SandboxCluster.start();
        new ClusterObjects(cluster.client()).namespace(NS);
        echoPort = cluster.startEchoPod(NS, POD);
        eofServer = new EofReplyServer();
        cluster.startEchoPod(NS, EOF_POD); // same pod IP (127.0.0.1); the EOF server is another port on it
        for (TransportMode mode : List.of(TransportMode.TUNNEL, TransportMode.SPDY)) {
            transports.put(mode, new NegotiatedTransport(cluster.credentials(), mode));
        }
    }

    @AfterAll
    static void stop() throws IOException {
        transports.values().forEach(NegotiatedTransport::close);
        if (eofServer != null) {
            eofServer.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void carries32MiBEachWayUnchanged(TransportMode mode) throws Exception {
        Map<String, Long> before = cluster.streamsByProtocol();
        Channel channel = transports.get(mode).open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        EchoProbe.Digests digests = EchoProbe.start(channel, 32L << 20).result().get(300, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());
        channel.close().sync();
        String protocol = mode == TransportMode.TUNNEL ? "SPDY/3.1+portforward.k8s.io" : "SPDY/3.1";
        assertThat(cluster.streamsByProtocol().getOrDefault(protocol, 0L)).isEqualTo(before.getOrDefault(protocol, 0L) + 1);
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void manyConcurrentConnectionsShareOneUpgradedConnection(TransportMode mode) throws Exception {
        NegotiatedTransport transport = transports.get(mode);
        await().atMost(90, TimeUnit.SECONDS).until(() -> transport.openChannels() == 0);
        List<Channel> channels = new ArrayList<>();
        List<CompletableFuture<EchoProbe.Digests>> results = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            Channel channel = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
            channels.add(channel);
            results.add(EchoProbe.start(channel, 1L << 20).result());
        }
        for (CompletableFuture<EchoProbe.Digests> result : results) {
            EchoProbe.Digests digests = result.get(120, TimeUnit.SECONDS);
            assertThat(digests.received()).isEqualTo(digests.sent());
        }
        assertThat(channels.stream().map(Channel::parent).distinct()).hasSize(1);
        for (Channel channel : channels) {
            channel.close().sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void aStreamLivesOnTheEventLoopItWasOpenedFor(TransportMode mode) throws Exception {
        NegotiatedTransport transport = transports.get(mode);
        EventLoopGroup callers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            Map<EventLoop, Set<Channel>> upgradedByLoop = new java.util.HashMap<>();
            for (int round = 0; round < 3; round++) {
                for (EventExecutor executor : callers) {
                    EventLoop loop = (EventLoop) executor;
                    Channel channel = transport.open(NS, POD, echoPort, loop).get(60, TimeUnit.SECONDS);
                    EchoProbe.Digests digests = EchoProbe.start(channel, 64 * 1024).result().get(60, TimeUnit.SECONDS);
                    assertThat(digests.received()).isEqualTo(digests.sent());
                    assertThat(channel.eventLoop()).as("the stream's loop").isSameAs(loop);
                    assertThat(channel.parent().eventLoop()).as("its upgraded connection's loop").isSameAs(loop);
                    upgradedByLoop.computeIfAbsent(loop, l -> new java.util.HashSet<>()).add(channel.parent());
                    channel.close().sync();
                }
            }
            // One upgraded connection per loop, reused by every later stream opened for that loop.
            assertThat(upgradedByLoop.values()).allSatisfy(upgraded -> assertThat(upgraded).hasSize(1));
            assertThat(upgradedByLoop.values().stream().flatMap(Set::stream).distinct()).hasSize(2);
        } finally {
            callers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void halfCloseTravelsEndToEnd(TransportMode mode) throws Exception {
        Channel channel = transports.get(mode).open(NS, EOF_POD, eofServer.port()).get(60, TimeUnit.SECONDS);
        assertThat(channel).isInstanceOf(DuplexChannel.class);
        CompletableFuture<String> inputEnded = new CompletableFuture<>();
        Received received = new Received(Integer.MAX_VALUE) {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof ChannelInputShutdownEvent) {
                    inputEnded.complete(text());
                }
            }
        };
        channel.eventLoop().submit(() -> {
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
            channel.pipeline().addLast(received);
            channel.config().setAutoRead(true);
        }).sync();
        byte[] payload = new byte[300_000];
        channel.writeAndFlush(Unpooled.wrappedBuffer(payload)).sync();
        ((DuplexChannel) channel).shutdownOutput().sync();
        // The pod only answers after its read ended: our FIN reached it while its way back stayed open.
        assertThat(inputEnded.get(60, TimeUnit.SECONDS)).isEqualTo("read 300000 bytes until EOF\n");
        channel.closeFuture().await(30, TimeUnit.SECONDS);
        assertThat(channel.isOpen()).isFalse();
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void refusedPodPortFailsWithTheErrorStreamText(TransportMode mode) throws Exception {
        int closedPort = unusedPort();
        PortForwardException failure = DialFailures.of(transports.get(mode).open(NS, POD, closedPort));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.REMOTE_ERROR);
        assertThat(failure.getMessage()).contains(String.valueOf(closedPort));
    }

    @Test
    void missingPodIsNamed() throws Exception {
        PortForwardException failure = DialFailures.of(transports.get(TransportMode.TUNNEL).open(NS, "nobody", echoPort));
        assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.POD_NOT_FOUND);
        assertThat(failure.getMessage()).startsWith("pod nobody not found in namespace mux");
    }

    @Test
    void aSlowReaderDoesNotStallTheOthersOnItsConnection() throws Exception {
        NegotiatedTransport transport = transports.get(TransportMode.TUNNEL);
        // The slow one: 2 MiB echoed back to a channel that does not read (below the per-stream buffer).
        Channel slow = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        byte[] pattern = new byte[2 << 20];
        new java.util.Random(7).nextBytes(pattern);
        slow.writeAndFlush(Unpooled.wrappedBuffer(pattern)).sync();
        // Another connection on the same upgraded connection moves 16 MiB each way meanwhile.
        Channel fast = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        assertThat(fast.parent()).isSameAs(slow.parent());
        EchoProbe.Digests digests = EchoProbe.start(fast, 16L << 20).result().get(120, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());
        // Now the slow one reads, and gets its 2 MiB, all of it, in order.
        Received all = new Received(pattern.length);
        slow.eventLoop().submit(() -> {
            slow.pipeline().addLast(all);
            slow.config().setAutoRead(true);
        }).sync();
        assertThat(all.get(60, TimeUnit.SECONDS)).isEqualTo(pattern);
        slow.close().sync();
        fast.close().sync();
    }

    @Test
    void aReaderFarBehindMovesNewConnectionsToAFreshUpgradedConnection() throws Exception {
        NegotiatedTransport transport = transports.get(TransportMode.SPDY);
        Channel stuck = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        // 24 MiB that come back to a channel that never reads: more than a stream may hold.
        for (int i = 0; i < 24; i++) {
            stuck.write(Unpooled.wrappedBuffer(new byte[1 << 20]));
        }
        stuck.flush();
        await().atMost(60, TimeUnit.SECONDS).until(() -> {
            Channel probe = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
            boolean elsewhere = probe.parent() != stuck.parent();
            if (elsewhere) {
                EchoProbe.Digests digests = EchoProbe.start(probe, 4L << 20).result().get(60, TimeUnit.SECONDS);
                assertThat(digests.received()).isEqualTo(digests.sent());
            }
            probe.close().sync();
            return elsewhere;
        });
        stuck.close().sync();
    }

    /**
     * A reader with autoRead off that asks for each next read from channelReadComplete (as a
     * blocking-stream adapter does) drains a stream whose backlog holds the whole connection:
     * no new frame arrives to wake the stream, so each read() must be served from the queue.
     */
    @Test
    void aOneReadAtATimeReaderDrainsAStreamThatHoldsItsConnection() throws Exception {
        NegotiatedTransport transport = transports.get(TransportMode.TUNNEL);
        Channel held = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        byte[] pattern = new byte[12 << 20];
        new java.util.Random(11).nextBytes(pattern);
        long echoedBefore = cluster.bytesPodToClient(NS, POD);
        held.writeAndFlush(Unpooled.wrappedBuffer(pattern)).sync();
        // Let the echo pile up past the per-stream buffer first, so the connection is held.
        await().atMost(60, TimeUnit.SECONDS).until(() -> cluster.bytesPodToClient(NS, POD) - echoedBefore > (6L << 20));
        Received all = new Received(pattern.length) {
            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.read();
            }
        };
        held.eventLoop().submit(() -> {
            held.pipeline().addLast(all);
            held.read();
        }).sync();
        assertThat(all.get(120, TimeUnit.SECONDS)).isEqualTo(pattern);
        held.close().sync();
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void aDroppedConnectionFailsItsStreamsAndTheNextOpenGetsAFreshOne(TransportMode mode) throws Exception {
        NegotiatedTransport transport = transports.get(mode);
        Channel doomed = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        CompletableFuture<EchoProbe.Digests> traffic = EchoProbe.start(doomed, 1L << 30).result();
        await().atMost(30, TimeUnit.SECONDS).until(() -> doomed.parent().isActive());
        Thread.sleep(200); // let some bytes flow: the drop happens mid-traffic (not a timing assertion)
        cluster.portForwardServer().close();
        assertThat(traffic).failsWithin(30, TimeUnit.SECONDS);
        assertThat(doomed.closeFuture().await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(doomed.attr(PortForwardDialer.FAILURE).get()).isNotNull()
                .extracting(PortForwardException::kind).isEqualTo(PortForwardException.Kind.UNREACHABLE);
        Channel fresh = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        assertThat(fresh.parent()).isNotSameAs(doomed.parent());
        EchoProbe.Digests digests = EchoProbe.start(fresh, 1L << 20).result().get(60, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());
        fresh.close().sync();
    }

    @Test
    void thousandOpenCloseCyclesLeaveNothingBehind() throws Exception {
        NegotiatedTransport transport = transports.get(TransportMode.TUNNEL);
        long openedBefore = cluster.portForwardsOpened(NS, POD);
        int threadsBefore = Thread.activeCount();
        Set<Channel> carriers = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            Channel channel = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
            carriers.add(channel.parent());
            EchoProbe.Digests digests = EchoProbe.start(channel, 16).result().get(60, TimeUnit.SECONDS);
            assertThat(digests.received()).isEqualTo(digests.sent());
            channel.close().sync();
        }
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(transport.openChannels()).isZero();
            assertThat(cluster.portForwardsClosed(NS, POD)).isEqualTo(cluster.portForwardsOpened(NS, POD));
        });
        assertThat(cluster.portForwardsOpened(NS, POD) - openedBefore).isEqualTo(1000);
        assertThat(carriers).hasSize(1);
        assertThat(Thread.activeCount()).isLessThanOrEqualTo(threadsBefore + 2);
    }

    @Test
    void autoFallsBackToSpdyThenWebSocketAndSaysSo() throws Exception {
        try {
            cluster.portForwardServer().refuse(Set.of("tunnel"));
            try (NegotiatedTransport auto = new NegotiatedTransport(cluster.credentials(), TransportMode.AUTO)) {
                assertThat(auto.describe()).isEqualTo("auto (not negotiated yet)");
                echoOnce(auto);
                assertThat(auto.negotiated()).contains(TransportMode.SPDY);
                assertThat(auto.describe()).startsWith("spdy (fallback: tunnel refused 400");
            }
            cluster.portForwardServer().refuse(Set.of("tunnel", "spdy"));
            try (NegotiatedTransport auto = new NegotiatedTransport(cluster.credentials(), TransportMode.AUTO)) {
                echoOnce(auto);
                echoOnce(auto);
                assertThat(auto.negotiated()).contains(TransportMode.WEBSOCKET);
                assertThat(auto.describe()).startsWith("websocket (fallback: tunnel refused 400").contains("spdy refused 400");
                assertThat(auto.upgradedConnections()).isZero();
            }
            try (NegotiatedTransport pinned = new NegotiatedTransport(cluster.credentials(), TransportMode.TUNNEL)) {
                PortForwardException failure = DialFailures.of(pinned.open(NS, POD, echoPort));
                assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.PROTOCOL);
                assertThat(failure.getMessage()).contains("does not offer the tunnel port-forward transport").contains("--transport auto");
            }
        } finally {
            cluster.portForwardServer().refuse(Set.of());
        }
        try (NegotiatedTransport auto = new NegotiatedTransport(cluster.credentials(), TransportMode.AUTO)) {
            echoOnce(auto);
            assertThat(auto.describe()).isEqualTo("tunnel (negotiated)");
        }
    }

    private static void echoOnce(NegotiatedTransport transport) throws Exception {
        Channel channel = transport.open(NS, POD, echoPort).get(60, TimeUnit.SECONDS);
        EchoProbe.Digests digests = EchoProbe.start(channel, 4096).result().get(60, TimeUnit.SECONDS);
        assertThat(digests.received()).isEqualTo(digests.sent());
        channel.close().sync();
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Keeps what a stream channel reads; {@code get} completes once {@code expected} bytes arrived. */
    private static class Received extends ChannelInboundHandlerAdapter {
        private final ByteArrayOutputStream got = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> all = new CompletableFuture<>();
        private final int expected;

        Received(int expected) {
            this.expected = expected;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            buf.release();
            got.writeBytes(bytes);
            if (got.size() >= expected) {
                all.complete(got.toByteArray());
            }
        }

        byte[] get(long timeout, TimeUnit unit) throws Exception {
            return all.get(timeout, unit);
        }

        String text() {
            return got.toString(StandardCharsets.US_ASCII);
        }
    }
}

package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.spdy.TransportMode;
import dev.kproxy.sandbox.network.PortForwardCounters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connect issue's real clients through each pinned {@code --transport} (tunnel, spdy,
 * websocket), one {@link Outbound} per transport on one sandbox: curl (SOCKS5 hostname, HTTP
 * proxy), a child JVM with only {@code -DsocksProxyHost}, short server-first connections, and
 * half-close. The sandbox's counters say which protocol carried each stream. Then the forced
 * fallback (the sandbox refuses the tunnel and SPDY) and a dropped upgraded connection.
 * {@link OutboundSandboxTest} runs the whole real-client suite on the default (auto → tunnel).
 */
class TransportsSandboxTest {

    private static final Pattern SAGE_POD = Pattern.compile("\"pod\":\"(sage-[a-z0-9]+-[a-z0-9]+)\"");
    private static final Map<TransportMode, String> PROTOCOL = Map.of(
            TransportMode.TUNNEL, "SPDY/3.1+portforward.k8s.io",
            TransportMode.SPDY, "SPDY/3.1",
            TransportMode.WEBSOCKET, "v4.channel.k8s.io");

    @TempDir
    static Path dir;
    static StoryCluster cluster;
    static final Map<TransportMode, Outbound> sessions = new EnumMap<>(TransportMode.class);

    @BeforeAll
    static void start() {
        cluster = StoryCluster.start(dir);
        for (TransportMode mode : List.of(TransportMode.TUNNEL, TransportMode.SPDY, TransportMode.WEBSOCKET)) {
            sessions.put(mode, Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS).withTransport(mode)));
        }
    }

    @AfterAll
    static void stop() {
        sessions.values().forEach(Outbound::close);
        if (cluster != null) {
            cluster.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY", "WEBSOCKET"})
    void curlAndAJvmWithSocksPropertiesGoThroughTheTransport(TransportMode mode) throws Exception {
        Outbound outbound = sessions.get(mode);
        long streamsBefore = streams(PROTOCOL.get(mode));
        Clients.Result socks = Clients.run(List.of("curl", "-sS", "--max-time", "30", "--socks5-hostname",
                "127.0.0.1:" + outbound.proxyPort(), "http://sage.wjyl-dev:50100/v1/usage/test"));
        assertThat(socks.exit()).as(socks.err()).isZero();
        assertThat(socks.out()).contains("\"data\":\"from k8s\"");
        assertServedBySagePod(socks.out());

        Clients.Result http = Clients.run(List.of("curl", "-sS", "--max-time", "30", "-x", "http://127.0.0.1:" + outbound.proxyPort(),
                "http://sage.wjyl-dev.svc.cluster.local:50100/v1/usage/test"));
        assertThat(http.exit()).as(http.err()).isZero();
        assertServedBySagePod(http.out());

        String quotaPod = cluster.readyPods("quota").get(0).getMetadata().getName();
        List<String> command = Clients.java(SocksPropertyClient.class.getName(),
                "http://quota.wjyl-dev:8080/v1/quota", "echo.wjyl-dev", "7000", cluster.clusterIp("echo"), "7000");
        command.add(1, "-DsocksProxyHost=127.0.0.1");
        command.add(2, "-DsocksProxyPort=" + outbound.proxyPort());
        Clients.Result jvm = Clients.run(command);
        assertThat(jvm.exit()).as(jvm.err()).isZero();
        assertThat(jvm.out()).contains("http 200 {\"service\":\"quota\",\"pod\":\"" + quotaPod + "\"")
                .contains("by-name hello by name").contains("by-ip hello by ClusterIP");

        // curl twice, the JVM three connections (one HTTP, two sockets): all on this transport's protocol.
        assertThat(streams(PROTOCOL.get(mode)) - streamsBefore).isGreaterThanOrEqualTo(5);
        assertThat(outbound.status().path("transport").asString()).isEqualTo(mode.label() + " (pinned)");
    }

    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY", "WEBSOCKET"})
    void serverFirstBytesArriveOnEveryShortConnection(TransportMode mode) throws Exception {
        String pod = cluster.readyPods("echo").get(0).getMetadata().getName();
        int empty = 0;
        for (int i = 0; i < 100; i++) {
            try (Socket s = Clients.socks(sessions.get(mode).proxyPort(), "echo.wjyl-dev", 7001)) {
                if (!Clients.readLine(s).equals(pod)) {
                    empty++;
                }
            }
        }
        assertThat(empty).as("connections that closed without the pod's name").isZero();
    }

    /** The client half-closes after 1 MiB; on SPDY the echo of all of it still arrives, then the pod's EOF. */
    @ParameterizedTest
    @EnumSource(value = TransportMode.class, names = {"TUNNEL", "SPDY"})
    void halfCloseTravelsToThePodAndBack(TransportMode mode) throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(11).nextBytes(payload);
        try (Socket s = Clients.socks(sessions.get(mode).proxyPort(), "echo.wjyl-dev", 7000)) {
            s.setSoTimeout(30_000);
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = s.getInputStream()) {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    in.transferTo(all); // until the pod's EOF
                    return all.toByteArray();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            s.getOutputStream().write(payload);
            s.getOutputStream().flush();
            s.shutdownOutput();
            assertThat(echoed.get(60, TimeUnit.SECONDS)).isEqualTo(payload);
        }
    }

    @Test
    void aDroppedUpgradedConnectionFailsOpenConnectionsAndNewOnesSucceed() throws Exception {
        Outbound outbound = sessions.get(TransportMode.TUNNEL);
        String pod = cluster.readyPods("echo").get(0).getMetadata().getName();
        try (Socket open = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7000)) {
            open.setSoTimeout(30_000);
            byte[] first = "before the drop\n".getBytes();
            assertThat(Clients.echo(open, first)).isEqualTo(first);
            cluster.sandbox.dropPortForwardConnections();
            // The open connection ends (EOF or reset), it does not hang.
            int read;
            try {
                read = open.getInputStream().read();
            } catch (java.net.SocketException reset) {
                read = -1;
            }
            assertThat(read).isEqualTo(-1);
        }
        for (int i = 0; i < 5; i++) {
            try (Socket s = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7001)) {
                assertThat(Clients.readLine(s)).isEqualTo(pod);
            }
        }
    }

    @Test
    void autoFallsBackWhenTheApiServerRefusesTheTunnelAndSpdyAndStatusSaysSo() throws Exception {
        cluster.sandbox.refusePortForwardProtocols("tunnel", "spdy");
        try (Outbound auto = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS))) {
            assertThat(auto.status().path("transport").asString()).isEqualTo("auto (not negotiated yet)");
            long v4Before = streams(PROTOCOL.get(TransportMode.WEBSOCKET));
            Clients.Result r = Clients.run(List.of("curl", "-sS", "--max-time", "30", "--socks5-hostname",
                    "127.0.0.1:" + auto.proxyPort(), "http://sage.wjyl-dev:50100/v1/usage/test"));
            assertThat(r.exit()).as(r.err()).isZero();
            assertServedBySagePod(r.out());
            assertThat(streams(PROTOCOL.get(TransportMode.WEBSOCKET))).isGreaterThan(v4Before);
            assertThat(auto.status().path("transport").asString())
                    .startsWith("websocket (fallback: tunnel refused 400").contains("spdy refused 400");
        } finally {
            cluster.sandbox.refusePortForwardProtocols();
        }
    }

    private static long streams(String protocol) {
        return cluster.sandbox.portForwardCounters().snapshot().streamsByProtocol().getOrDefault(protocol, 0L);
    }

    private static void assertServedBySagePod(String body) {
        Matcher m = SAGE_POD.matcher(body);
        assertThat(m.find()).as(body).isTrue();
        PortForwardCounters.PodStats stats = cluster.counters(m.group(1));
        assertThat(stats.bytesPodToClient()).isGreaterThanOrEqualTo(body.length());
    }
}

package dev.kproxy.jvmagent.hooks;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's decisions against a scripted daemon on a real Unix socket (the real daemon is
 * exercised end to end by launcher's JavaAgentSandboxTest): which names and addresses are asked
 * about at all, and what the app is handed back.
 */
class ClusterRouterTest {
    @TempDir
    Path dir;
    private ServerSocketChannel server;
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final Map<String, String> answers = Map.of(
            "config", "ok domain=cluster.local ns=shop watched=shop,billing ranges=10.96.0.0/16,10.244.0.0/16 names=cart.shop:10.96.0.10,cart:10.96.0.10",
            "resolve orders", "ok 10.96.0.11",
            "resolve orders.billing.svc.cluster.local", "ok 10.96.0.12",
            "route 10.96.0.10 80", "ok 40001",
            "route 10.244.1.7 9092", "ok 40002");
    private ClusterRouter router;

    @BeforeEach
    void daemon() throws IOException {
        Path socket = dir.resolve("agent.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread t = new Thread(this::serve, "scripted-daemon");
        t.setDaemon(true);
        t.start();
        router = new ClusterRouter(new DaemonLink(socket));
        assertThat(router.fetchConfig()).isTrue();
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
                 OutputStream out = Channels.newOutputStream(c)) {
                for (String line; (line = in.readLine()) != null; ) {
                    asked.add(line);
                    out.write((answers.getOrDefault(line, "none") + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void clusterNamesAnswerWithTheNameTheAppAskedFor() throws Exception {
        InetAddress[] cart = router.lookup("cart");
        assertThat(cart).hasSize(1);
        assertThat(cart[0].getHostName()).isEqualTo("cart");
        assertThat(cart[0].getHostAddress()).isEqualTo("10.96.0.10");
        assertThat(asked).containsExactly("config"); // from the start-up snapshot

        assertThat(router.lookup("orders")[0].getHostAddress()).isEqualTo("10.96.0.11");
        assertThat(router.lookup("ORDERS.billing.svc.cluster.local.")[0].getHostAddress()).isEqualTo("10.96.0.12");
        assertThat(router.lookup("nosuch.shop")).isNull();
        assertThat(asked).containsExactly("config", "resolve orders", "resolve orders.billing.svc.cluster.local", "resolve nosuch.shop");
    }

    @Test
    void otherNamesNeverReachTheDaemon() {
        for (String name : List.of("localhost", "example.com", "www.example.com", "db.internal.corp", "10.96.0.10", "::1", "app.localhost")) {
            assertThat(router.lookup(name)).as(name).isNull();
        }
        assertThat(asked).containsExactly("config");
    }

    @Test
    void connectsInTheClusterRangesGoToTheDaemonsListenerAndThePeerIsTheClusterAddress() throws Exception {
        InetSocketAddress service = new InetSocketAddress(InetAddress.getByAddress("cart", new byte[] {10, 96, 0, 10}), 80);
        InetSocketAddress routed = router.route(service);
        assertThat(routed).isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001));
        assertThat(router.clusterAddressOf(routed).getAddress().getHostAddress()).isEqualTo("10.96.0.10");
        assertThat(router.route(new InetSocketAddress("10.244.1.7", 9092)).getPort()).isEqualTo(40002);
        router.route(service);
        assertThat(asked).containsExactly("config", "route 10.96.0.10 80", "route 10.244.1.7 9092"); // routes are kept

        InetSocketAddress outside = new InetSocketAddress("192.168.1.5", 80);
        assertThat(router.route(outside)).isSameAs(outside);
        InetSocketAddress unknownInRange = new InetSocketAddress("10.96.9.9", 80);
        assertThat(router.route(unknownInRange)).isSameAs(unknownInRange);
        assertThat(router.clusterAddressOf(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5))).isNull();
    }

    @Test
    void withoutADaemonEverythingPassesThrough() throws Exception {
        ClusterRouter alone = new ClusterRouter(new DaemonLink(dir.resolve("none.sock")));
        assertThat(alone.fetchConfig()).isFalse();
        assertThat(alone.lookup("cart")).isNull();
        InetSocketAddress service = new InetSocketAddress("10.96.0.10", 80);
        assertThat(alone.route(service)).isSameAs(service);
    }
}

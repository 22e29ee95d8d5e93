package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class ServiceProxiesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ObjectStore store = new ObjectStore();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        store.close();
    }

    private BlockingTcpServer endpoint(String ip, String name) throws IOException {
        BlockingTcpServer server = new BlockingTcpServer(ip, BlockingTcpServer.named(name));
        closeables.add(server);
        return server;
    }

    private ServiceProxies proxies() {
        ServiceProxies proxies = new ServiceProxies(store).start();
        closeables.add(proxies);
        return proxies;
    }

    private void service(String name, String clusterIp, int port, int nodePort) {
        ObjectNode svc = JsonNodeFactory.instance.objectNode();
        svc.putObject("metadata").put("name", name).put("namespace", "default");
        ObjectNode spec = svc.putObject("spec").put("clusterIP", clusterIp).put("type", nodePort > 0 ? "NodePort" : "ClusterIP");
        ObjectNode p = spec.putArray("ports").addObject().put("name", "http").put("port", port).put("protocol", "TCP");
        if (nodePort > 0) {
            p.put("nodePort", nodePort);
        }
        store.create(ResourceCatalog.SERVICE, svc);
    }

    /** One slice for the service, endpoints as {ip, ready}, all on {@code port} named "http". */
    private void slice(String service, int port, Object... ipReady) {
        ObjectNode slice = JsonNodeFactory.instance.objectNode();
        slice.putObject("metadata").put("name", service + "-abc").put("namespace", "default")
                .putObject("labels").put("kubernetes.io/service-name", service);
        slice.put("addressType", "IPv4");
        slice.putArray("ports").addObject().put("name", "http").put("port", port).put("protocol", "TCP");
        ArrayNode endpoints = slice.putArray("endpoints");
        for (int i = 0; i < ipReady.length; i += 2) {
            ObjectNode e = endpoints.addObject();
            e.putArray("addresses").add((String) ipReady[i]);
            e.putObject("conditions").put("ready", (Boolean) ipReady[i + 1]);
        }
        store.create(ResourceCatalog.ENDPOINT_SLICE, slice);
    }

    /** Connects, reads the endpoint's name line, checks an echo, and returns the name. */
    private static String callThrough(String host, int port) throws IOException {
        try (Socket s = new Socket(host, port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String name = in.readLine();
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("ping");
            return name;
        }
    }

    private static int freePort() throws IOException {
        return BlockingTcpServer.unusedPort();
    }

    @Test
    void closeEndsTheConnectionsItIsRelaying() throws Exception {
        BlockingTcpServer a = endpoint("127.0.0.2", "a");
        int nodePort = freePort();
        service("web", "10.96.7.8", freePort(), nodePort);
        slice("web", a.port(), "127.0.0.2", true);
        ServiceProxies proxies = new ServiceProxies(store).start();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket("127.0.0.1", nodePort);
                clients.add(s);
                assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine())
                        .isEqualTo("a");
            }
            proxies.close();
            for (Socket s : clients) {
                s.setSoTimeout(5_000);
                assertThat(endsWithin(s)).as("connection from port %d ended", s.getLocalPort()).isTrue();
            }
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    private static boolean endsWithin(Socket s) throws IOException {
        try {
            return s.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Test
    void nodePortConnectionsAlternateBetweenReadyEndpointsAndSkipUnreadyOnes() throws Exception {
        BlockingTcpServer a = endpoint("127.0.0.2", "a");
        int port = a.port();
        // Endpoints in one slice share a port number: bind the others on a's port.
        bindOn("127.0.0.3", port, "b");
        BlockingTcpServer unready = bindOn("127.0.0.4", port, "unready");
        int servicePort = freePort();
        int nodePort = freePort();
        service("web", "10.96.7.7", servicePort, nodePort);
        slice("web", port, "127.0.0.2", true, "127.0.0.3", true, "127.0.0.4", false);
        ServiceProxies proxies = proxies();

        List<String> names = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            names.add(callThrough("127.0.0.1", nodePort));
        }
        assertThat(names).containsOnly("a", "b");
        for (int i = 1; i < names.size(); i++) {
            assertThat(names.get(i)).isNotEqualTo(names.get(i - 1));
        }
        assertThat(unready.accepted.get()).isZero();
        assertThat(proxies.connectionsByEndpoint("default", "web"))
                .containsEntry("127.0.0.2:" + port, 3L)
                .containsEntry("127.0.0.3:" + port, 3L)
                .doesNotContainKey("127.0.0.4:" + port);

        // Pods reach the same Service at the ClusterIP's loopback twin.
        assertThat(callThrough("127.96.7.7", servicePort)).isIn("a", "b");
        assertThat(proxies.listeners()).containsKeys("127.96.7.7:" + servicePort, "127.0.0.1:" + nodePort);
    }

    private BlockingTcpServer bindOn(String ip, int port, String name) throws IOException {
        BlockingTcpServer server = new BlockingTcpServer(ip, port, BlockingTcpServer.named(name));
        closeables.add(server);
        return server;
    }

    @Test
    void serviceWithoutReadyEndpointsClosesConnectionsAtOnce() throws Exception {
        int nodePort = freePort();
        service("empty", "10.96.7.8", freePort(), nodePort);
        ServiceProxies proxies = proxies();
        try (Socket s = new Socket("127.0.0.1", nodePort)) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(proxies.rejectedConnections("default", "empty")).isEqualTo(1);
    }

    @Test
    void listenersFollowServicesAndATakenPortDoesNotStopTheOthers() throws Exception {
        BlockingTcpServer a = endpoint("127.0.0.2", "a");
        ServiceProxies proxies = proxies();
        int nodePort = freePort();
        service("late", "10.96.7.9", freePort(), nodePort);
        slice("late", a.port(), "127.0.0.2", true);
        await().atMost(WAIT).ignoreExceptions().until(() -> callThrough("127.0.0.1", nodePort).equals("a"));

        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", freePort()));
            int otherNodePort = freePort();
            service("clash", "10.96.7.10", freePort(), taken.getLocalPort());
            service("fine", "10.96.7.11", freePort(), otherNodePort);
            slice("fine", a.port(), "127.0.0.2", true);
            await().atMost(WAIT).ignoreExceptions().until(() -> callThrough("127.0.0.1", otherNodePort).equals("a"));
            assertThat(proxies.listeners()).doesNotContainKey("127.0.0.1:" + taken.getLocalPort());
        }

        store.delete(ResourceCatalog.SERVICE, "default", "late");
        await().atMost(WAIT).until(() -> {
            try (Socket s = new Socket("127.0.0.1", nodePort)) {
                return false;
            } catch (ConnectException refused) {
                return true;
            }
        });
    }

    @Test
    void halfCloseCarriesThroughLikeKernelNat() throws Exception {
        // The endpoint answers only after the client's FIN: a relay without half-close would lose it.
        BlockingTcpServer counter = new BlockingTcpServer("127.0.0.2", (socket, server) -> {
            long n = socket.getInputStream().readAllBytes().length;
            socket.getOutputStream().write(("got " + n + "\n").getBytes(StandardCharsets.US_ASCII));
        });
        closeables.add(counter);
        int nodePort = freePort();
        service("count", "10.96.7.12", freePort(), nodePort);
        slice("count", counter.port(), "127.0.0.2", true);
        proxies();
        try (Socket s = new Socket("127.0.0.1", nodePort)) {
            s.getOutputStream().write(new byte[100_000]);
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("got 100000\n");
        }
    }
}

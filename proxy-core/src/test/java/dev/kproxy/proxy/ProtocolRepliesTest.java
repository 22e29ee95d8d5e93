package dev.kproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Byte-level replies: unsupported commands, refused upstreams, bad requests, early bytes, stats. */
class ProtocolRepliesTest {

    private static EchoServer echo;
    private static ProxyServer proxy;
    private static int closedPort;

    @BeforeAll
    static void start() throws Exception {
        echo = new EchoServer();
        proxy = new ProxyServer(ProxyConfig.defaults(), new DirectDialer()).start();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        echo.close();
    }

    static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] socks5ConnectIpv4(int command, int port) {
        return bytes(5, command, 0, 1, 127, 0, 0, 1, port >> 8, port & 0xFF);
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void socks5BindAndUdpAssociateAreNotSupported() throws Exception {
        for (int command : new int[] {2, 3}) {
            try (RawSocket client = new RawSocket(proxy.port())) {
                assertThat(client.send(bytes(5, 1, 0)).read(2)).containsExactly(5, 0);
                byte[] reply = client.send(socks5ConnectIpv4(command, echo.port())).readToEnd();
                assertThat(reply).hasSize(10).startsWith(5, 7, 0, 1);
            }
        }
    }

    @Test
    void socks5UnknownAddressTypeGets0x08() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            assertThat(client.send(bytes(5, 1, 0, 9, 1, 2, 3)).readToEnd()).hasSize(10).startsWith(5, 8);
        }
    }

    @Test
    void socks5DomainNameAndEarlyBytesInTheSameWriteAreRelayed() throws Exception {
        byte[] name = "localhost".getBytes(StandardCharsets.US_ASCII);
        try (RawSocket client = new RawSocket(proxy.port())) {
            byte[] all = new byte[3 + 5 + name.length + 2 + 5];
            System.arraycopy(bytes(5, 1, 0, 5, 1, 0, 3, name.length), 0, all, 0, 8);
            System.arraycopy(name, 0, all, 8, name.length);
            all[8 + name.length] = (byte) (echo.port() >> 8);
            all[9 + name.length] = (byte) echo.port();
            System.arraycopy("early".getBytes(StandardCharsets.US_ASCII), 0, all, 10 + name.length, 5);
            client.send(all);
            assertThat(client.read(2)).containsExactly(5, 0);
            byte[] reply = client.read(10);
            assertThat(reply).startsWith(5, 0, 0, 1);
            assertThat(ascii(client.read(5))).isEqualTo("early");
        }
    }

    @Test
    void socks5Ipv6Literal() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        try (ServerSocket target = openOrNull(v6)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(target != null, "no IPv6 loopback here");
            try (RawSocket client = new RawSocket(proxy.port())) {
                client.send(bytes(5, 1, 0)).read(2);
                byte[] request = new byte[22];
                System.arraycopy(bytes(5, 1, 0, 4), 0, request, 0, 4);
                System.arraycopy(v6.getAddress(), 0, request, 4, 16);
                request[20] = (byte) (target.getLocalPort() >> 8);
                request[21] = (byte) target.getLocalPort();
                client.send(request);
                try (Socket accepted = target.accept()) {
                    assertThat(client.read(2)).containsExactly(5, 0);
                    accepted.getOutputStream().write("v6".getBytes(StandardCharsets.US_ASCII));
                    client.read(20); // rest of the reply: RSV, ATYP and a bound address
                    assertThat(ascii(client.read(2))).isEqualTo("v6");
                }
            }
        }
    }

    private static ServerSocket openOrNull(InetAddress address) {
        try {
            return new ServerSocket(0, 1, address);
        } catch (IOException unavailable) {
            return null;
        }
    }

    @Test
    void refusedUpstreamGetsEachProtocolsErrorReplyAndIsRecorded() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            assertThat(client.send(socks5ConnectIpv4(1, closedPort)).readToEnd()).hasSize(10).startsWith(5, 5);
        }
        try (RawSocket client = new RawSocket(proxy.port())) {
            byte[] reply = client.send(bytes(4, 1, closedPort >> 8, closedPort & 0xFF, 127, 0, 0, 1, 'u', 0)).readToEnd();
            assertThat(reply).hasSize(8).startsWith(0, 0x5B);
        }
        String reason = "kproxy: 127.0.0.1:" + closedPort + ": connection refused\n";
        try (RawSocket client = new RawSocket(proxy.port())) {
            String reply = ascii(client.send("CONNECT 127.0.0.1:" + closedPort + " HTTP/1.1\r\nHost: x\r\n\r\n").readToEnd());
            assertThat(reply).startsWith("HTTP/1.1 502 Bad Gateway\r\n").endsWith("\r\n\r\n" + reason);
        }
        Curl.Result curl = Curl.run("-x", "http://127.0.0.1:" + proxy.port(), "http://127.0.0.1:" + closedPort + "/v1/usage/test");
        assertThat(curl.stdout()).isEqualTo(reason);
        assertThat(proxy.stats().recentErrors().get("127.0.0.1:" + closedPort))
                .extracting(ProxyStats.RecentError::message)
                .contains("127.0.0.1:" + closedPort + ": connection refused");
    }

    @Test
    void httpRequestsThatCannotBeForwardedGet400WithAReason() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            String reply = ascii(client.send("GET /v1/usage/test HTTP/1.1\r\nHost: sage.wjyl-dev\r\n\r\n").readToEnd());
            assertThat(reply).startsWith("HTTP/1.1 400 Bad Request\r\n")
                    .contains("kproxy: /v1/usage/test is an origin-form request to the proxy itself");
        }
        try (RawSocket client = new RawSocket(proxy.port())) {
            String reply = ascii(client.send("GET https://sage.wjyl-dev/ HTTP/1.1\r\n\r\n").readToEnd());
            assertThat(reply).startsWith("HTTP/1.1 400 ").contains("use CONNECT for https URIs");
        }
        try (RawSocket client = new RawSocket(proxy.port())) {
            String reply = ascii(client.send("CONNECT sage.wjyl-dev HTTP/1.1\r\n\r\n").readToEnd());
            assertThat(reply).startsWith("HTTP/1.1 400 ").contains("CONNECT needs host:port");
        }
    }

    @Test
    void httpConnectRelaysBytesSentRightAfterTheRequestHead() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send("CONNECT localhost:" + echo.port() + " HTTP/1.1\r\nHost: localhost\r\n\r\nGET / HTTP/1.1\r\n\r\n");
            String expected = "HTTP/1.1 200 Connection established\r\n\r\nGET / HTTP/1.1\r\n\r\n";
            assertThat(ascii(client.read(expected.length()))).isEqualTo(expected);
        }
    }

    @Test
    void serverFirstGreetingIsNotLost() throws Exception {
        try (ServerSocket banner = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            client.send(socks5ConnectIpv4(1, banner.getLocalPort()));
            try (Socket accepted = banner.accept()) {
                OutputStream out = accepted.getOutputStream();
                out.write("220 ready\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                client.read(10);
                assertThat(ascii(client.read(11))).isEqualTo("220 ready\r\n");
            }
        }
    }

    @Test
    void unknownFirstByteIsClosedWithoutReplyAndOthersAreStillServed() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            assertThat(client.send(bytes(0x16, 3, 1, 0, 5)).readToEnd()).isEmpty();
        }
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            client.send(socks5ConnectIpv4(1, echo.port())).read(10);
            assertThat(ascii(client.send("still here").read(10))).isEqualTo("still here");
        }
    }

    @Test
    void statsCountConnectionsAndRelayedBytes() throws Exception {
        long upBefore = proxy.stats().bytesToUpstream();
        long downBefore = proxy.stats().bytesToClient();
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            client.send(socks5ConnectIpv4(1, echo.port())).read(10);
            client.send("0123456789").read(10);
            client.shutdownOutput();
            assertThat(client.readToEnd()).isEmpty();
        }
        org.awaitility.Awaitility.await().untilAsserted(() -> {
            assertThat(proxy.stats().bytesToUpstream() - upBefore).isGreaterThanOrEqualTo(10);
            assertThat(proxy.stats().bytesToClient() - downBefore).isGreaterThanOrEqualTo(10);
        });
        assertThat(proxy.stats().totalConnections()).isPositive();
    }

    @Test
    void secondServerOnTheSamePortFailsNamingThePort() {
        ProxyServer second = new ProxyServer(ProxyConfig.defaults().withPort(proxy.port()), new DirectDialer());
        assertThatThrownBy(second::start).isInstanceOf(BindException.class).hasMessageContaining(":" + proxy.port());
        second.close();
    }

    @Test
    void nonLoopbackBindNeedsCredentials() {
        assertThatThrownBy(() -> new ProxyServer(ProxyConfig.defaults().withBindAddress("0.0.0.0"), new DirectDialer()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0.0.0.0").hasMessageContaining("username and password");
        new ProxyServer(ProxyConfig.defaults().withBindAddress("0.0.0.0").withCredentials("u", "p"), new DirectDialer()).close();
    }

    @Test
    void silentClientsAreClosedAtTheHandshakeDeadlineAndIdleTunnelsAtTheIdleTimeout() throws Exception {
        ProxyConfig config = ProxyConfig.defaults()
                .withHandshakeTimeout(java.time.Duration.ofMillis(300))
                .withIdleTimeout(java.time.Duration.ofMillis(600));
        try (ProxyServer strict = new ProxyServer(config, new DirectDialer()).start()) {
            try (RawSocket silent = new RawSocket(strict.port())) {
                assertThat(silent.readToEnd()).isEmpty();
            }
            try (RawSocket halfway = new RawSocket(strict.port())) {
                assertThat(halfway.send(bytes(5, 1, 0)).read(2)).containsExactly(5, 0);
                assertThat(halfway.readToEnd()).isEmpty();
            }
            try (RawSocket idle = new RawSocket(strict.port())) {
                idle.send(bytes(5, 1, 0)).read(2);
                assertThat(idle.send(socks5ConnectIpv4(1, echo.port())).read(10)).startsWith(5, 0);
                assertThat(ascii(idle.send("once").read(4))).isEqualTo("once");
                assertThat(idle.readToEnd()).isEmpty();
            }
        }
    }
}

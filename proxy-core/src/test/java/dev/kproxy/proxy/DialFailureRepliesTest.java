package dev.kproxy.proxy;

import static dev.kproxy.proxy.ProtocolRepliesTest.ascii;
import static dev.kproxy.proxy.ProtocolRepliesTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Test;

/** Each DialFailure kind reaches the client as the matching SOCKS5 code and HTTP status. */
class DialFailureRepliesTest {

    @Test
    void classifyNamesTheDestinationAndPicksTheKind() {
        Destination quota = new Destination("quota.wjyl-dev", 8080, ProxyProtocol.HTTP_CONNECT);
        assertThat(DialFailure.classify(quota, new ConnectException("Connection refused")))
                .hasMessage("quota.wjyl-dev:8080: connection refused")
                .extracting(DialFailure::kind).isEqualTo(DialFailure.Kind.REFUSED);
        assertThat(DialFailure.classify(quota, new UnknownHostException("quota.wjyl-dev")).kind())
                .isEqualTo(DialFailure.Kind.HOST_UNREACHABLE);
        assertThat(DialFailure.classify(quota, new ConnectTimeoutException("connection timed out")).kind())
                .isEqualTo(DialFailure.Kind.TIMED_OUT);
        assertThat(DialFailure.classify(new Destination("::1", 80, ProxyProtocol.SOCKS5), new ConnectException("Network is unreachable")))
                .hasMessage("[::1]:80: network is unreachable");
    }

    @Test
    void notAllowedIsSocks5Code2AndHttp403() throws Exception {
        Dialer policy = (destination, loop) -> loop.newFailedFuture(
                new DialFailure(DialFailure.Kind.NOT_ALLOWED, destination.hostAndPort() + ": not allowed by policy"));
        try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(), policy).start()) {
            assertSocks5Reply(proxy, 0x02);
            try (RawSocket client = new RawSocket(proxy.port())) {
                String reply = ascii(client.send("GET http://sage.wjyl-dev:50100/v1/usage/test HTTP/1.1\r\n\r\n").readToEnd());
                assertThat(reply).startsWith("HTTP/1.1 403 Forbidden\r\n")
                        .endsWith("kproxy: sage.wjyl-dev:50100: not allowed by policy\n");
            }
        }
    }

    @Test
    void timeoutIsSocks5Code6AndHttp504() throws Exception {
        Dialer slow = (destination, loop) -> loop.newFailedFuture(new ConnectTimeoutException("connection timed out: " + destination));
        try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(), slow).start()) {
            assertSocks5Reply(proxy, 0x06);
            try (RawSocket client = new RawSocket(proxy.port())) {
                String reply = ascii(client.send("CONNECT sage.wjyl-dev:50100 HTTP/1.1\r\n\r\n").readToEnd());
                assertThat(reply).startsWith("HTTP/1.1 504 Gateway Timeout\r\n")
                        .endsWith("kproxy: sage.wjyl-dev:50100: connect timed out\n");
            }
        }
    }

    private static void assertSocks5Reply(ProxyServer proxy, int code) throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            byte[] name = "sage.wjyl-dev".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            byte[] request = new byte[5 + name.length + 2];
            System.arraycopy(bytes(5, 1, 0, 3, name.length), 0, request, 0, 5);
            System.arraycopy(name, 0, request, 5, name.length);
            request[5 + name.length] = (byte) (50100 >> 8);
            request[6 + name.length] = (byte) 50100;
            assertThat(client.send(request).readToEnd()).hasSize(10).startsWith(5, code);
        }
    }
}

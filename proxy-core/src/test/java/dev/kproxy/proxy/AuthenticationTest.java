package dev.kproxy.proxy;

import static dev.kproxy.proxy.ProtocolRepliesTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A proxy with credentials: RFC 1929 for SOCKS5, Basic for HTTP, SOCKS4 refused. */
class AuthenticationTest {

    private static TestHttpServer origin;
    private static EchoServer echo;
    private static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new TestHttpServer();
        echo = new EchoServer();
        proxy = new ProxyServer(ProxyConfig.defaults().withCredentials("dev", "s3cret"), new DirectDialer()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        echo.close();
        origin.close();
    }

    private static byte[] userPass(String user, String pass) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        byte[] p = pass.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[3 + u.length + p.length];
        out[0] = 1;
        out[1] = (byte) u.length;
        System.arraycopy(u, 0, out, 2, u.length);
        out[2 + u.length] = (byte) p.length;
        System.arraycopy(p, 0, out, 3 + u.length, p.length);
        return out;
    }

    @Test
    void socks5WithRightCredentialsConnects() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            assertThat(client.send(bytes(5, 2, 0, 2)).read(2)).containsExactly(5, 2);
            assertThat(client.send(userPass("dev", "s3cret")).read(2)).containsExactly(1, 0);
            client.send(ProtocolRepliesTest.socks5ConnectIpv4(1, echo.port()));
            assertThat(client.read(10)).startsWith(5, 0);
            assertThat(new String(client.send("authed").read(6), StandardCharsets.US_ASCII)).isEqualTo("authed");
        }
    }

    @Test
    void socks5WithWrongPasswordIsRefused() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 2)).read(2);
            assertThat(client.send(userPass("dev", "guess")).readToEnd()).containsExactly(1, 1);
        }
    }

    @Test
    void socks5OfferingOnlyNoAuthGetsNoAcceptableMethod() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            assertThat(client.send(bytes(5, 1, 0)).readToEnd()).containsExactly(5, 0xFF);
        }
    }

    @Test
    void socks4CannotAuthenticateSoItIsRefused() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            int port = echo.port();
            byte[] reply = client.send(bytes(4, 1, port >> 8, port & 0xFF, 127, 0, 0, 1, 'd', 'e', 'v', 0)).readToEnd();
            assertThat(reply).hasSize(8).startsWith(0, 0x5B);
        }
    }

    @Test
    void curlSocks5hWithCredentials() throws Exception {
        String url = "http://localhost:" + origin.port() + "/v1/usage/test";
        assertThat(Curl.run("-x", "socks5h://dev:s3cret@127.0.0.1:" + proxy.port(), url).stdout())
                .isEqualTo(TestHttpServer.USAGE_BODY);
        Curl.Result refused = Curl.run("-x", "socks5h://dev:nope@127.0.0.1:" + proxy.port(), url);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.stdout()).isEmpty();
    }

    @Test
    void httpNeedsBasicProxyAuthorization() throws Exception {
        String proxyUrl = "http://127.0.0.1:" + proxy.port();
        Curl.Result without = Curl.run("-i", "-x", proxyUrl, origin.url("/v1/usage/test"));
        assertThat(without.stdout()).startsWith("HTTP/1.1 407 Proxy Authentication Required")
                .contains("Proxy-Authenticate: Basic realm=\"kproxy\"");
        assertThat(Curl.run("-x", proxyUrl, "-U", "dev:s3cret", origin.url("/v1/usage/test")).stdout())
                .isEqualTo(TestHttpServer.USAGE_BODY);
        assertThat(Curl.run("-p", "-x", proxyUrl, "-U", "dev:s3cret", origin.url("/v1/usage/test")).stdout())
                .isEqualTo(TestHttpServer.USAGE_BODY);
        // The credentials are for the proxy: they must not reach the origin.
        assertThat(Curl.run("-x", proxyUrl, "-U", "dev:s3cret", origin.url("/headers")).stdout())
                .doesNotContainIgnoringCase("proxy-authorization");
    }
}

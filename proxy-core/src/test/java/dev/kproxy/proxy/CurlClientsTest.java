package dev.kproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real curl binary through every protocol the proxy speaks, to a JDK HttpServer. */
class CurlClientsTest {

    private static TestHttpServer origin;
    private static ProxyServer proxy;

    @BeforeAll
    static void start() throws Exception {
        origin = new TestHttpServer();
        proxy = new ProxyServer(ProxyConfig.defaults(), new DirectDialer()).start();
    }

    @AfterAll
    static void stop() {
        proxy.close();
        origin.close();
    }

    private static String proxyAddress() {
        return "127.0.0.1:" + proxy.port();
    }

    private static String localhostUrl(String path) {
        return "http://localhost:" + origin.port() + path;
    }

    @Test
    void socks5WithProxySideNameResolution() throws Exception {
        Curl.Result result = Curl.run("--socks5-hostname", proxyAddress(), localhostUrl("/v1/usage/test"));
        assertThat(result.stderr()).isEmpty();
        assertThat(result.stdout()).isEqualTo(TestHttpServer.USAGE_BODY);
    }

    @Test
    void socks5WithClientSideResolution() throws Exception {
        Curl.Result result = Curl.run("--socks5", proxyAddress(), localhostUrl("/v1/usage/test"));
        assertThat(result.stdout()).isEqualTo(TestHttpServer.USAGE_BODY);
    }

    @Test
    void socks4aAndSocks4() throws Exception {
        assertThat(Curl.run("--socks4a", proxyAddress(), localhostUrl("/v1/usage/test")).stdout())
                .isEqualTo(TestHttpServer.USAGE_BODY);
        assertThat(Curl.run("--socks4", proxyAddress(), origin.url("/v1/usage/test")).stdout())
                .isEqualTo(TestHttpServer.USAGE_BODY);
    }

    @Test
    void httpProxyForwardsAbsoluteFormAsOriginFormWithoutHopByHopHeaders() throws Exception {
        Curl.Result result = Curl.run("-x", "http://" + proxyAddress(),
                "-H", "Proxy-Connection: keep-alive", "-H", "Connection: X-Secret", "-H", "X-Secret: 1",
                "-H", "TE: trailers", "-H", "X-Kept: yes", origin.url("/headers?a=1"));
        assertThat(result.stdout()).startsWith("GET /headers?a=1\n");
        assertThat(result.stdout()).contains("x-kept: yes", "host: 127.0.0.1:" + origin.port());
        assertThat(result.stdout()).doesNotContain("proxy-connection", "x-secret", "te:", "connection:");
    }

    @Test
    void httpProxyThroughConnectTunnel() throws Exception {
        Curl.Result result = Curl.run("-p", "-x", "http://" + proxyAddress(), localhostUrl("/headers"));
        // Through a tunnel the origin sees curl's own origin-form request.
        assertThat(result.stdout()).startsWith("GET /headers\n");
    }

    @Test
    void httpProxyStreamsLargeBodiesBothWays(@TempDir Path dir) throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(body);
        Path upload = Files.write(dir.resolve("upload.bin"), body);
        Path download = dir.resolve("download.bin");
        Curl.Result viaContentLength = Curl.run("-x", "http://" + proxyAddress(), "--data-binary", "@" + upload,
                "-o", download.toString(), origin.url("/echo"));
        assertThat(viaContentLength.stderr()).isEmpty();
        assertThat(Files.readAllBytes(download)).isEqualTo(body);

        Curl.Result viaChunked = Curl.run("-x", "http://" + proxyAddress(), "-H", "Transfer-Encoding: chunked",
                "--data-binary", "@" + upload, "-o", download.toString(), origin.url("/echo"));
        assertThat(viaChunked.stderr()).isEmpty();
        assertThat(Files.readAllBytes(download)).isEqualTo(body);
    }

    @Test
    void httpProxyKeepsTheClientConnectionAcrossRequestsAndHosts() throws Exception {
        long before = proxy.stats().totalConnections();
        // Two hosts (127.0.0.1 and localhost) for one origin: the second needs a new upstream.
        Curl.Result result = Curl.run("-x", "http://" + proxyAddress(),
                origin.url("/v1/usage/test"), origin.url("/v1/usage/test"), localhostUrl("/v1/usage/test"));
        assertThat(result.stdout()).isEqualTo(TestHttpServer.USAGE_BODY.repeat(3));
        assertThat(proxy.stats().totalConnections() - before).isEqualTo(1);
    }
}

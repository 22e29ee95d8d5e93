package dev.kproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDK's own SOCKS client (java.net.Socket, HttpURLConnection) and java.net.http.HttpClient. */
class JdkClientsTest {

    private static EchoServer echo;
    private static TestHttpServer origin;
    private static ProxyServer proxy;
    private static Proxy socks;

    @BeforeAll
    static void start() throws Exception {
        echo = new EchoServer();
        origin = new TestHttpServer();
        proxy = new ProxyServer(ProxyConfig.defaults(), new DirectDialer()).start();
        socks = new Proxy(Proxy.Type.SOCKS, new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        origin.close();
        echo.close();
    }

    @Test
    void jdkSocksSocketWithUnresolvedNameEchoesOneMegabyteAndSeesTheHalfClose() throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(1).nextBytes(payload);
        try (Socket socket = new Socket(socks)) {
            // Unresolved: the JDK sends ATYP DOMAINNAME and the proxy resolves "localhost".
            socket.connect(InetSocketAddress.createUnresolved("localhost", echo.port()), 10_000);
            socket.setSoTimeout(10_000);
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(payload);
                    out.flush();
                    socket.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] echoed = socket.getInputStream().readAllBytes();
            writer.get(10, TimeUnit.SECONDS);
            // readAllBytes returning means the echo server's half-close reached us through the proxy.
            assertThat(echoed).isEqualTo(payload);
        }
    }

    @Test
    void jdkSocksSocketWithIpv4Address() throws Exception {
        try (Socket socket = new Socket(socks)) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()), 10_000);
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ping");
        }
    }

    @Test
    void httpUrlConnectionOverSocks() throws Exception {
        URL url = new URL("http://localhost:" + origin.port() + "/v1/usage/test");
        HttpURLConnection connection = (HttpURLConnection) url.openConnection(socks);
        try (InputStream in = connection.getInputStream()) {
            assertThat(connection.getResponseCode()).isEqualTo(200);
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(TestHttpServer.USAGE_BODY);
        } finally {
            connection.disconnect();
        }
    }

    @Test
    void httpClientUsesAbsoluteFormForHttp() throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.port())))
                .build();
        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(URI.create(origin.url("/headers?via=httpclient"))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("GET /headers?via=httpclient\n");
        HttpResponse<String> post = client.send(
                HttpRequest.newBuilder(URI.create(origin.url("/echo"))).POST(HttpRequest.BodyPublishers.ofString("body-bytes")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.body()).isEqualTo("body-bytes");
    }

    @Test
    void httpClientUsesConnectForHttps(@TempDir Path dir) throws Exception {
        SSLContext tls = selfSignedLocalhostTls(dir);
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.createContext("/secure", exchange -> {
            byte[] body = "secret usage\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            HttpClient client = HttpClient.newBuilder()
                    .sslContext(tls)
                    .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", proxy.port())))
                    .build();
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("https://localhost:" + server.getAddress().getPort() + "/secure")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("secret usage\n");
        } finally {
            server.stop(0);
        }
    }

    /** A key pair for CN=localhost made by the JDK's keytool, used as both key and trust store. */
    private static SSLContext selfSignedLocalhostTls(Path dir) throws Exception {
        Path store = dir.resolve("localhost.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        keytool.getInputStream().transferTo(output);
        assertThat(keytool.waitFor()).as("keytool: %s", output).isZero();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = java.nio.file.Files.newInputStream(store)) {
            keyStore.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, "changeit".toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keyStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }
}

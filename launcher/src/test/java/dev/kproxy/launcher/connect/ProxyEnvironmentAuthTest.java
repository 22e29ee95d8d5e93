package dev.kproxy.launcher.connect;

import com.sun.net.httpserver.HttpServer;
import dev.kproxy.proxy.Destination;
import dev.kproxy.proxy.DirectDialer;
import dev.kproxy.proxy.ProxyConfig;
import dev.kproxy.proxy.ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code kproxy run} gives a program when the proxy asks for a password
 * ({@code kproxy connect --proxy-auth}): curl with only {@code ALL_PROXY} or {@code HTTP_PROXY}
 * gets through a proxy that requires the credentials, and without them is turned away.
 */
class ProxyEnvironmentAuthTest {
    private static final String USER = "alice";
    private static final String PASSWORD = "p@ss:w/rd%1";

    private HttpServer web;
    private ProxyServer proxy;
    private final Set<String> dialled = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws IOException {
        web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        web.createContext("/", exchange -> {
            byte[] body = "through the proxy\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        web.start();
        int webPort = web.getAddress().getPort();
        DirectDialer direct = new DirectDialer();
        // Stands in for the cluster: any name the client asks for is served by the local web server.
        proxy = new ProxyServer(ProxyConfig.defaults().withPort(0).withCredentials(USER, PASSWORD), (destination, loop) -> {
            dialled.add(destination.protocol() + " " + destination.hostAndPort());
            return direct.dial(new Destination("127.0.0.1", webPort, destination.protocol()), loop);
        }).start();
    }

    @AfterEach
    void stop() {
        proxy.close();
        web.stop(0);
    }

    /**
     * The JDK takes a SOCKS password only from an Authenticator: with nothing but the options a
     * JVM is turned away (so kproxy run says so instead of putting the password in vain into
     * JAVA_TOOL_OPTIONS, where every child JVM would print it).
     */
    @Test
    void aJvmCannotAnswerThePasswordFromItsOptions() throws Exception {
        Map<String, String> env = new ProxyEnvironment("127.0.0.1", proxy.port()).withCredentials(USER, PASSWORD).variables(null);
        assertThat(env.get("JAVA_TOOL_OPTIONS")).isEqualTo("-DsocksProxyHost=127.0.0.1 -DsocksProxyPort=" + proxy.port());

        Clients.Result r = Clients.run(Clients.java(UrlFetch.class.getName(), "http://sage.wjyl-dev:50100/v1/usage/test"), env);

        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("SOCKS : authentication failed");
        assertThat(dialled).isEmpty();
    }

    @Test
    void curlAuthenticatesWithAllProxyAndWithHttpProxy() throws Exception {
        Map<String, String> env = new ProxyEnvironment("127.0.0.1", proxy.port()).withCredentials(USER, PASSWORD).variables(null);
        assertThat(env.get("ALL_PROXY")).isEqualTo("socks5h://alice:p%40ss%3Aw%2Frd%251@127.0.0.1:" + proxy.port());

        Clients.Result socks = Clients.run(List.of("sh", "-c", "curl -sS --max-time 20 -x \"$ALL_PROXY\" http://quota.wjyl-dev:8080/"), env);
        Clients.Result http = Clients.run(List.of("sh", "-c", "curl -sS --max-time 20 -x \"$HTTP_PROXY\" http://quota.wjyl-dev:8081/"), env);

        assertThat(socks.exit()).as(socks.err()).isZero();
        assertThat(socks.out()).isEqualTo("through the proxy\n");
        assertThat(http.exit()).as(http.err()).isZero();
        assertThat(http.out()).isEqualTo("through the proxy\n");
        assertThat(dialled).contains("SOCKS5 quota.wjyl-dev:8080", "HTTP_FORWARD quota.wjyl-dev:8081");
    }

    @Test
    void withoutTheCredentialsTheProxyTurnsTheClientAway() throws Exception {
        Map<String, String> env = new ProxyEnvironment("127.0.0.1", proxy.port()).variables(null);

        Clients.Result socks = Clients.run(List.of("sh", "-c", "curl -sS --max-time 20 -x \"$ALL_PROXY\" http://quota.wjyl-dev:8080/"), env);
        Clients.Result http = Clients.run(List.of("sh", "-c",
                "curl -sS --max-time 20 -o /dev/null -w '%{http_code}' -x \"$HTTP_PROXY\" http://quota.wjyl-dev:8081/"), env);

        assertThat(socks.exit()).isNotZero();
        assertThat(http.out()).isEqualTo("407");
        assertThat(dialled).isEmpty();
    }
}

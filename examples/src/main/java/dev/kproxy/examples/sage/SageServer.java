package dev.kproxy.examples.sage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The seed story's {@code sage} service: {@code GET /v1/usage/test} answers
 * {@code {"code":"0","msg":"","date":...,"data":"from k8s", ...}} and calls {@code quota} by its
 * cluster DNS name on the way, so the same process shows outbound cluster access when it runs on
 * a laptop behind kproxy.
 *
 * <p>Configuration, all from the environment so the same image runs in a cluster, in the sandbox
 * and on a laptop: {@code SAGE_DATA} (the {@code data} text), {@code PORT} (50100),
 * {@code BIND_ADDRESS} (0.0.0.0), {@code QUOTA_URL}, {@code POD_NAME}.
 *
 * <p>The quota call uses {@link HttpURLConnection} on purpose: it honours the JDK's
 * {@code socksProxyHost} property, which is how a developer points a JVM at kproxy.
 */
public final class SageServer {

    public static void main(String[] args) throws IOException {
        String bind = env("BIND_ADDRESS", "0.0.0.0");
        int port = Integer.parseInt(env("PORT", "50100"));
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.createContext("/v1/usage/test", SageServer::usageTest);
        server.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("sage listening on " + bind + ":" + port + " (data=\"" + env("SAGE_DATA", "from k8s") + "\")");
    }

    private static void usageTest(HttpExchange exchange) throws IOException {
        String quota = callQuota(env("QUOTA_URL", "http://quota.wjyl-dev:8080/v1/quota"));
        String body = "{\"code\":\"0\",\"msg\":\"\",\"date\":" + System.currentTimeMillis()
                + ",\"data\":" + JsonText.quote(env("SAGE_DATA", "from k8s"))
                + ",\"pod\":" + JsonText.quote(env("POD_NAME", "local"))
                + ",\"quota\":" + quota + "}\n";
        respond(exchange, 200, body);
    }

    /** The quota answer as JSON, or an {@code {"error": ...}} object: sage keeps answering when quota is away. */
    static String callQuota(String url) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(5_000);
            try (InputStream in = c.getInputStream()) {
                String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                return answer.startsWith("{") ? answer : "{\"error\":" + JsonText.quote("unexpected answer: " + answer) + "}";
            } finally {
                c.disconnect();
            }
        } catch (IOException | RuntimeException e) {
            return "{\"error\":" + JsonText.quote(url + ": " + e) + "}";
        }
    }

    static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", body.startsWith("{") ? "application/json" : "text/plain");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }

    private SageServer() {
    }
}

package dev.kproxy.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Test origin server (the JDK's HttpServer): {@code /v1/usage/test} answers a fixed text,
 * {@code /echo} returns the request body (chunked), {@code /headers} lists the request line and
 * headers it received, one per line, sorted.
 */
final class TestHttpServer implements AutoCloseable {

    static final String USAGE_BODY = "usage: 42 requests\n";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    TestHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(executor);
        server.createContext("/v1/usage/test", exchange -> respond(exchange, USAGE_BODY.getBytes(StandardCharsets.UTF_8), false));
        server.createContext("/echo", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            respond(exchange, body, true);
        });
        server.createContext("/headers", exchange -> {
            StringBuilder text = new StringBuilder();
            text.append(exchange.getRequestMethod()).append(' ').append(exchange.getRequestURI()).append('\n');
            Map<String, String> sorted = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> sorted.put(name.toLowerCase(), String.join(",", values)));
            sorted.forEach((name, value) -> text.append(name).append(": ").append(value).append('\n'));
            exchange.getRequestBody().readAllBytes();
            respond(exchange, text.toString().getBytes(StandardCharsets.UTF_8), false);
        });
        server.start();
    }

    private static void respond(HttpExchange exchange, byte[] body, boolean chunked) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, chunked ? 0 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}

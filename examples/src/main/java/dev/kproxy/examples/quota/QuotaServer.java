package dev.kproxy.examples.quota;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

/**
 * {@code quota}: the service sage depends on. {@code GET /v1/quota} answers which pod served it,
 * so tests can tell that a call really reached the cluster and which replica answered.
 * Environment: {@code PORT} (8080), {@code BIND_ADDRESS} (0.0.0.0), {@code POD_NAME}.
 */
public final class QuotaServer {

    public static void main(String[] args) throws IOException {
        String bind = System.getenv().getOrDefault("BIND_ADDRESS", "0.0.0.0");
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
        String pod = System.getenv().getOrDefault("POD_NAME", "local");
        AtomicLong served = new AtomicLong();
        HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.createContext("/v1/quota", exchange -> {
            long n = served.incrementAndGet();
            byte[] body = ("{\"service\":\"quota\",\"pod\":\"" + pod + "\",\"remaining\":" + Math.max(0, 1000 - n) + "}\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("quota listening on " + bind + ":" + port);
    }

    private QuotaServer() {
    }
}

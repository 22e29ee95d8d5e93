package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.pki.SandboxPki;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;

/**
 * The API server → kubelet hop on its own: a {@link KubeletProxy} behind the plain-HTTP API
 * stand-in, in front of a {@link KubeletStreamingServer} whose port-forward endpoint only records
 * what reached it and refuses, as the kubelet refuses a pod it does not have.
 */
class KubeletProxyTest {
    private static final String REQUEST = """
            POST /api/v1/namespaces/team-a/pods/web-0/portforward?ports=8080 HTTP/1.1\r
            Host: api.example\r
            Authorization: Bearer user-secret-token\r
            Connection: Upgrade\r
            Upgrade: SPDY/3.1\r
            X-Stream-Protocol-Version: portforward.k8s.io\r
            Content-Length: 0\r
            \r
            """;

    private record Seen(String method, String uri, String namespace, String pod, HttpHeaders headers) {
    }

    private final SandboxPki pki = SandboxPki.generate();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final KubeletStreamingServer kubelet = new KubeletStreamingServer(pki.kubeletServerSslContext(),
            (ctx, request, namespace, pod) -> {
                seen.add(new Seen(request.method().name(), request.uri(), namespace, pod, request.headers().copy()));
                StatusReply.podNotFound(pod).send(ctx.channel(), HttpUtil.isKeepAlive(request));
            });
    private KubeletProxy proxy;
    private PlainHttpApiServer api;

    @AfterEach
    void stop() {
        if (api != null) {
            api.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        kubelet.close();
    }

    @Test
    void theKubeletGetsItsOwnPathWithoutTheUsersTokenAndItsRefusalComesBackOnAConnectionThatStaysOpen() throws Exception {
        proxy = new KubeletProxy(kubelet.start(), pki.kubeletClientSslContext());
        api = new PlainHttpApiServer(proxy);
        try (Socket s = new Socket("127.0.0.1", api.port())) {
            s.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < 2; i++) { // the second request proves the API connection survived the refusal
                s.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
                Response r = Response.read(in);
                assertThat(r.statusLine()).isEqualTo("HTTP/1.1 404 Not Found");
                assertThat(r.body()).contains("\"message\":\"pods \\\"web-0\\\" not found\"");
            }
        }
        assertThat(seen).hasSize(2).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.uri()).isEqualTo("/portForward/team-a/web-0?ports=8080");
            assertThat(r.namespace()).isEqualTo("team-a");
            assertThat(r.pod()).isEqualTo("web-0");
            assertThat(r.headers().contains("Authorization")).isFalse();
            assertThat(r.headers().get("Upgrade")).isEqualTo("SPDY/3.1");
            assertThat(r.headers().get("X-Stream-Protocol-Version")).isEqualTo("portforward.k8s.io");
        });
        assertThat(kubelet.connectionsAccepted()).as("one kubelet connection per request").isEqualTo(2);
    }

    @Test
    void aKubeletThatCannotBeReachedIsAnInternalErrorNamingTheDial() throws Exception {
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        proxy = new KubeletProxy(new InetSocketAddress("127.0.0.1", closedPort), pki.kubeletClientSslContext());
        api = new PlainHttpApiServer(proxy);
        try (Socket s = new Socket("127.0.0.1", api.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(REQUEST.getBytes(StandardCharsets.US_ASCII));
            Response r = Response.read(new BufferedInputStream(s.getInputStream()));
            assertThat(r.statusLine()).isEqualTo("HTTP/1.1 500 Internal Server Error");
            assertThat(r.body()).contains("error dialing backend").doesNotContain("user-secret-token");
        }
        assertThat(seen).isEmpty();
    }

    /** An HTTP/1.1 response with a Content-Length body, read off a socket. */
    private record Response(String statusLine, String body) {
        static Response read(InputStream in) throws IOException {
            String status = line(in);
            int length = 0;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring("content-length:".length()).trim());
                }
            }
            return new Response(status, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new IOException("connection closed in the middle of a response");
                }
                if (b != '\r') {
                    out.write(b);
                }
            }
            return out.toString(StandardCharsets.US_ASCII);
        }
    }
}

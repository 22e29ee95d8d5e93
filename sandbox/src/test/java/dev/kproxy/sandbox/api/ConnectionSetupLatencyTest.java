package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;

/**
 * With an injected round trip, a new API connection's TLS handshake takes two of them (TCP's and
 * TLS's, as on a network), and the connection then serves requests. A lower bound only: delays
 * can only add to it.
 */
class ConnectionSetupLatencyTest {

    private static final String TOKEN = "setup-latency-token";

    @Test
    void aNewConnectionsHandshakeTakesTwoRoundTrips() throws Exception {
        Duration roundTrip = Duration.ofMillis(150);
        ObjectStore store = new ObjectStore();
        SandboxPki pki = SandboxPki.generate();
        ApiServer server = ApiServer.builder(store, new Admission(store), pki).adminToken(TOKEN).connectionLatency(roundTrip).build();
        try {
            int port = server.start(0).getPort();
            handshake(pki, port); // the client's first handshake is slow by itself (class loading, key exchange set-up)
            long start = System.nanoTime();
            try (SSLSocket s = (SSLSocket) pki.clientSslContext().getSocketFactory().createSocket("127.0.0.1", port)) {
                s.startHandshake();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).as("connect + TLS handshake")
                        .isGreaterThanOrEqualTo(roundTrip.multipliedBy(2));
                for (int request = 0; request < 2; request++) {
                    assertThat(ApiServerRestartTest.askReadyz(s, TOKEN)).startsWith("HTTP/1.1 200");
                }
            }
        } finally {
            server.close();
        }
    }

    private static void handshake(SandboxPki pki, int port) throws Exception {
        try (SSLSocket s = (SSLSocket) pki.clientSslContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
        }
    }
}

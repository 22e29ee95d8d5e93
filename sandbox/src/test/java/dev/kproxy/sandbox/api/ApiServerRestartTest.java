package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;

/**
 * Stopping the API server ends every connection, as a real one's do when it stops, so clients
 * notice and re-list and re-watch; starting it again on the same port serves new connections.
 */
class ApiServerRestartTest {

    @Test
    void closeEndsEveryOpenConnectionAndARestartServesAgain() throws IOException {
        try (SandboxApiFixture sandbox = new SandboxApiFixture()) {
            int port = sandbox.uri.getPort();
            // Left to the event loops, one loop's connections stayed open on only some closes (a race).
            for (int round = 0; round < 10; round++) {
                List<SSLSocket> clients = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    clients.add(readyConnection(sandbox, port));
                }
                sandbox.server.close();
                for (SSLSocket client : clients) {
                    assertThat(endsWithin5s(client)).as("round %d, connection from port %d", round, client.getLocalPort())
                            .isTrue();
                    client.close();
                }
                sandbox.server.start(port);
            }
        }
    }

    /** A connection the server has accepted and answered on, kept alive. */
    private static SSLSocket readyConnection(SandboxApiFixture sandbox, int port) throws IOException {
        SSLSocket s = (SSLSocket) sandbox.pki.clientSslContext().getSocketFactory().createSocket("127.0.0.1", port);
        askReadyz(s, SandboxApiFixture.ADMIN_TOKEN);
        return s;
    }

    /** Sends {@code GET /readyz} on a kept-alive connection and reads the reply up to its body, {@code ok}; returns it. */
    static String askReadyz(java.net.Socket s, String token) throws IOException {
        s.getOutputStream().write(("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        StringBuilder reply = new StringBuilder();
        InputStream in = s.getInputStream();
        while (!reply.toString().endsWith("\r\n\r\nok")) {
            int b = in.read();
            assertThat(b).as("reply so far: %s", reply).isNotNegative();
            reply.append((char) b);
        }
        return reply.toString();
    }

    private static boolean endsWithin5s(SSLSocket client) throws IOException {
        client.setSoTimeout(5_000);
        try {
            return client.getInputStream().read() == -1;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}

package dev.kproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A client pushing 64 MiB at a target that does not read: the proxy must stop reading from the
 * client (bounded by socket buffers and Netty's write-buffer high-water mark, not by the payload),
 * and once the target reads, every byte arrives intact.
 */
class RelayBackpressureTest {

    private static final int PAYLOAD = 64 << 20;
    /** Loopback socket buffers (both hops) plus one Netty read batch; far below the payload. */
    private static final long BOUND = 24L << 20;

    @Test
    void slowTargetStopsTheClientInsteadOfFillingMemory() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             ProxyServer proxy = new ProxyServer(ProxyConfig.defaults(), new DirectDialer()).start();
             RawSocket client = new RawSocket(proxy.port())) {
            client.send(ProtocolRepliesTest.bytes(5, 1, 0)).read(2);
            client.send(ProtocolRepliesTest.socks5ConnectIpv4(1, target.getLocalPort())).read(10);
            try (Socket accepted = target.accept()) {
                byte[] chunk = new byte[64 * 1024];
                new Random(3).nextBytes(chunk);
                MessageDigest sent = MessageDigest.getInstance("SHA-256");
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = client.socket().getOutputStream();
                        for (int written = 0; written < PAYLOAD; written += chunk.length) {
                            out.write(chunk);
                            sent.update(chunk);
                        }
                        client.shutdownOutput();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                // The target reads nothing for a while; only a missing backpressure lets the count grow past BOUND.
                Thread.sleep(2000);
                assertThat(proxy.stats().bytesToUpstream()).isLessThan(BOUND);
                assertThat(writer).isNotDone();

                MessageDigest received = MessageDigest.getInstance("SHA-256");
                long total = 0;
                byte[] buffer = new byte[256 * 1024];
                InputStream in = accepted.getInputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    received.update(buffer, 0, n);
                    total += n;
                }
                writer.get(30, TimeUnit.SECONDS);
                assertThat(total).isEqualTo(PAYLOAD);
                assertThat(received.digest()).isEqualTo(sent.digest());
            }
        }
    }
}

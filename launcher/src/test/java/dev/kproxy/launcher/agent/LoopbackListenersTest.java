package dev.kproxy.launcher.agent;

import dev.kproxy.proxy.DirectDialer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The daemon's loopback listeners with a real dialer (DirectDialer to a local echo server standing
 * in for the port-forward path; the sandbox tests cover that one): bytes both ways with
 * backpressure, half-close, a failed dial, and listeners of destinations that left the cluster.
 */
class LoopbackListenersTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final LoopbackListeners listeners = new LoopbackListeners(new DirectDialer(), group);

    @AfterEach
    void stop() {
        listeners.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aListenerForwardsBothWaysAndPassesEndOfInputOn() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.transferTo(out); // until the client's half-close arrives
                } catch (IOException ignored) {
                    // test ends
                }
            });
            server.start();
            int port = listeners.portFor("127.0.0.1", echo.getLocalPort());
            assertThat(listeners.portFor("127.0.0.1", echo.getLocalPort())).isEqualTo(port);
            byte[] payload = new byte[3 * 1024 * 1024];
            new Random(1).nextBytes(payload);
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(30_000);
                Thread writer = new Thread(() -> {
                    try {
                        s.getOutputStream().write(payload);
                        s.shutdownOutput();
                    } catch (IOException ignored) {
                        // reader fails the test
                    }
                });
                writer.start();
                assertThat(s.getInputStream().readAllBytes()).isEqualTo(payload);
                writer.join();
            }
            server.join(30_000);
        }
    }

    @Test
    void aFailedDialResetsTheAppsConnectionAndGoneDestinationsLoseTheirListener() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        int port = listeners.portFor("127.0.0.1", closed);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(30_000);
            assertThatThrownBy(() -> {
                if (s.getInputStream().read() >= 0) {
                    throw new AssertionError("bytes from a destination that refused");
                }
                throw new IOException("closed");
            }).isInstanceOf(IOException.class);
        }

        listeners.retainClusterAddresses(ip -> false);
        assertThat(listeners.size()).isZero();
        // The close runs on the listener's event loop.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), port).close()).isInstanceOf(ConnectException.class));
    }
}

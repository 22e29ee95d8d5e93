package dev.kproxy.sandbox.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import org.awaitility.Awaitility;

/**
 * A plain-socket "pod" for tests, deliberately not Netty: each accepted connection is served by
 * a {@link Behaviour} on its own thread. Counts connections and bytes written.
 */
final class BlockingTcpServer implements AutoCloseable {
    interface Behaviour {
        void serve(Socket socket, BlockingTcpServer server) throws IOException;
    }

    /** Echoes every byte until the client closes, then closes. */
    static final Behaviour ECHO = (socket, server) -> {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            out.write(buf, 0, n);
            server.written.addAndGet(n);
        }
    };

    /** Writes an endless deterministic stream (64 KiB chunks of {@code new Random(seed)}), counting what it wrote. */
    static Behaviour flood(long seed) {
        return (socket, server) -> {
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            Random pattern = new Random(seed);
            while (true) {
                pattern.nextBytes(chunk);
                out.write(chunk);
                server.written.addAndGet(chunk.length);
            }
        };
    }

    /** Writes its own name, then echoes. */
    static Behaviour named(String name) {
        return (socket, server) -> {
            socket.getOutputStream().write((name + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            ECHO.serve(socket, server);
        };
    }

    private final ServerSocket serverSocket;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-pod");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong written = new AtomicLong();

    BlockingTcpServer(String host, Behaviour behaviour) throws IOException {
        this(host, 0, behaviour);
    }

    BlockingTcpServer(String host, int port, Behaviour behaviour) throws IOException {
        serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        threads.execute(() -> {
            while (!serverSocket.isClosed()) {
                try {
                    Socket s = serverSocket.accept();
                    accepted.incrementAndGet();
                    sockets.add(s);
                    threads.execute(() -> {
                        try (s) {
                            behaviour.serve(s, this);
                        } catch (IOException ignored) {
                            // The peer went away: the test sees it on its side.
                        }
                    });
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    /** Waits until the bytes written stop growing between two polls half a second apart; returns where they stopped. */
    long awaitWritesStalled(Duration atMost) {
        long[] last = {-1};
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
            long now = written.get();
            boolean same = now == last[0];
            last[0] = now;
            return same;
        });
        return last[0];
    }

    /** Accepted connections whose behaviour has not finished (and closed them) yet. */
    long openConnections() {
        return sockets.stream().filter(s -> !s.isClosed()).count();
    }

    @Override
    public void close() throws IOException {
        serverSocket.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }

    /** A port on 127.0.0.1 nobody listens on (bound once, then released). */
    static int unusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

package dev.kproxy.sandbox.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

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

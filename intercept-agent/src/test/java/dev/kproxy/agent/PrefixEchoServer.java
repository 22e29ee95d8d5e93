package dev.kproxy.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Stands in for the app (or the developer's local process): answers every connection with a prefix naming
 * itself, then echoes what it reads until end of stream. A connection whose first byte is {@link #HOLD}
 * is not read any further until {@link #releaseHeld()} (a stalled local reader).
 */
final class PrefixEchoServer implements AutoCloseable {
    static final byte HOLD = 'H';

    private final ServerSocket server;
    private final byte[] prefix;
    private final ExecutorService connections = Executors.newCachedThreadPool();
    private final CountDownLatch released = new CountDownLatch(1);

    PrefixEchoServer(String prefix) throws IOException {
        this(prefix, 0);
    }

    PrefixEchoServer(String prefix, int port) throws IOException {
        this.prefix = prefix.getBytes(StandardCharsets.US_ASCII);
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        connections.execute(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    void releaseHeld() {
        released.countDown();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.execute(() -> echo(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void echo(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            out.write(prefix);
            int first = in.read();
            if (first < 0) {
                return;
            }
            if (first == HOLD) {
                released.await();
            }
            out.write(first);
            in.transferTo(out);
            socket.shutdownOutput();
        } catch (IOException e) {
            // the client went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        released.countDown();
        server.close();
        connections.shutdownNow();
    }
}

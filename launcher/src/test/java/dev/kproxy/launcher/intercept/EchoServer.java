package dev.kproxy.launcher.intercept;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** The laptop's end for bulk tests: echoes every connection's bytes back, and half-closes after the client does. */
final class EchoServer implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();

    private EchoServer(ServerSocket server) {
        this.server = server;
    }

    static EchoServer start(int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        EchoServer echo = new EchoServer(server);
        Thread accept = new Thread(echo::acceptLoop, "echo-accept");
        accept.setDaemon(true);
        accept.start();
        return echo;
    }

    int port() {
        return server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread t = new Thread(() -> echo(s), "echo");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
            s.shutdownOutput();
        } catch (IOException e) {
            // the client went away
        }
    }

    /**
     * Sends {@code size} pseudo-random bytes to host:port (writing on another thread of {@code pool}), reads
     * the echo, and compares SHA-256 digests of what went out and what came back.
     */
    static boolean roundTrip(String host, int port, int size, long seed, ExecutorService pool) throws Exception {
        try (Socket s = new Socket(host, port)) {
            s.setSoTimeout(300_000);
            Future<byte[]> sent = pool.submit(() -> {
                MessageDigest digest = sha256();
                Random random = new Random(seed);
                byte[] chunk = new byte[64 * 1024];
                OutputStream out = s.getOutputStream();
                for (int left = size; left > 0; left -= chunk.length) {
                    random.nextBytes(chunk);
                    int n = Math.min(left, chunk.length);
                    out.write(chunk, 0, n);
                    digest.update(chunk, 0, n);
                }
                s.shutdownOutput();
                return digest.digest();
            });
            MessageDigest received = sha256();
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            InputStream in = s.getInputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.update(buffer, 0, n);
                total += n;
            }
            return total == size && Arrays.equals(sent.get(), received.digest());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}

package dev.kproxy.sandbox.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Many echo round trips at once through a local port: each connection writes its own random bytes,
 * half-closes, reads the echo to EOF, and compares SHA-256 digests of what went out and came back.
 */
final class EchoLoad {
    private EchoLoad() {
    }

    /** The number of connections whose echo differed from what was sent (0 when all are equal). */
    static int mismatches(int port, int connections, int bytesEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(connections * 2);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                long seed = i;
                results.add(pool.submit(() -> roundTrip(pool, port, seed, bytesEach)));
            }
            int bad = 0;
            for (Future<Boolean> r : results) {
                if (!r.get()) {
                    bad++;
                }
            }
            return bad;
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean roundTrip(ExecutorService pool, int port, long seed, int bytes) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            MessageDigest sent = ChannelWebSocketClient.sha256();
            Future<?> writer = pool.submit(() -> {
                OutputStream out = socket.getOutputStream();
                Random random = new Random(seed);
                byte[] chunk = new byte[32 * 1024];
                for (int done = 0; done < bytes; done += chunk.length) {
                    random.nextBytes(chunk);
                    int n = Math.min(chunk.length, bytes - done);
                    sent.update(chunk, 0, n);
                    out.write(chunk, 0, n);
                }
                socket.shutdownOutput();
                return null;
            });
            MessageDigest received = ChannelWebSocketClient.sha256();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                received.update(buf, 0, n);
                total += n;
            }
            writer.get();
            return total == bytes && Arrays.equals(sent.digest(), received.digest());
        } catch (IOException e) {
            return false;
        }
    }
}

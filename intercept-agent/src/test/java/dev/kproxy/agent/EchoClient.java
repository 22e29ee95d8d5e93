package dev.kproxy.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/** A cluster client: sends bytes to an agent port, half-closes, and reads the answer to the end. */
final class EchoClient {
    private EchoClient() {
    }

    /** Sends the text and returns the whole answer (the server's prefix, then the echo). */
    static String exchange(int port, String text) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** What went out and what came back of a bulk exchange. */
    record Transfer(String prefix, String sentSha256, String receivedSha256, long receivedBytes) {
    }

    /**
     * Streams {@code size} seeded random bytes (the first one optionally {@code firstByte}) while reading the
     * echo on another thread; {@code sent} counts bytes as the writes return.
     */
    static Transfer bulk(int port, long size, long seed, int prefixLength, Integer firstByte, AtomicLong sent) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(120_000);
            MessageDigest sentDigest = sha256();
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = socket.getOutputStream();
                    Random random = new Random(seed);
                    byte[] chunk = new byte[32 * 1024];
                    long left = size;
                    boolean first = true;
                    while (left > 0) {
                        random.nextBytes(chunk);
                        if (first && firstByte != null) {
                            chunk[0] = (byte) (int) firstByte;
                        }
                        first = false;
                        int n = (int) Math.min(chunk.length, left);
                        out.write(chunk, 0, n);
                        sentDigest.update(chunk, 0, n);
                        left -= n;
                        sent.addAndGet(n);
                    }
                    socket.shutdownOutput();
                } catch (IOException e) {
                    // the reader sees the broken connection
                }
            }, "bulk-writer-" + seed);
            writer.start();
            InputStream in = socket.getInputStream();
            String prefix = new String(in.readNBytes(prefixLength), StandardCharsets.US_ASCII);
            MessageDigest receivedDigest = sha256();
            byte[] buffer = new byte[64 * 1024];
            long received = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                receivedDigest.update(buffer, 0, n);
                received += n;
            }
            writer.join();
            return new Transfer(prefix, hex(sentDigest), hex(receivedDigest), received);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }
}

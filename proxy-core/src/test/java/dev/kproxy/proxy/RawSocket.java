package dev.kproxy.proxy;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;

/** A plain client socket to the proxy, for byte-level protocol tests. */
final class RawSocket implements AutoCloseable {

    private final Socket socket;

    RawSocket(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
    }

    RawSocket send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    RawSocket send(String ascii) throws IOException {
        return send(ascii.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    byte[] read(int n) throws IOException {
        byte[] bytes = new byte[n];
        int read = 0;
        InputStream in = socket.getInputStream();
        while (read < n) {
            int r = in.read(bytes, read, n - read);
            if (r < 0) {
                throw new EOFException("connection closed after " + read + " of " + n + " bytes");
            }
            read += r;
        }
        return bytes;
    }

    /** Everything until the proxy closes (a reset after the proxy's reply counts as the end). */
    byte[] readToEnd() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        InputStream in = socket.getInputStream();
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                all.write(buffer, 0, n);
            }
        } catch (SocketException reset) {
            // connection reset: the proxy closed while our bytes were unread
        }
        return all.toByteArray();
    }

    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package dev.kproxy.agent;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * Reads the start of a new connection until the end of the first HTTP request head (CRLF CRLF), a size
 * limit, a deadline or end of stream, whichever comes first. Whatever was read is returned so it can be
 * replayed to whichever side gets the connection.
 */
final class RequestHeadPeek {
    static final int LIMIT = 16 * 1024;
    static final int TIMEOUT_MILLIS = 2_000;

    private RequestHeadPeek() {
    }

    static byte[] read(Socket socket) throws IOException {
        byte[] buffer = new byte[LIMIT];
        int length = 0;
        int originalTimeout = socket.getSoTimeout();
        long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000L;
        InputStream in = socket.getInputStream();
        try {
            while (length < LIMIT && !endsHead(buffer, length)) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000L;
                if (leftMillis <= 0) {
                    break;
                }
                socket.setSoTimeout((int) leftMillis);
                int n = in.read(buffer, length, LIMIT - length);
                if (n < 0) {
                    break;
                }
                length += n;
            }
        } catch (SocketTimeoutException e) {
            // a client that says nothing for the whole deadline goes wherever no header leads
        } finally {
            socket.setSoTimeout(originalTimeout);
        }
        return Arrays.copyOf(buffer, length);
    }

    private static boolean endsHead(byte[] buffer, int length) {
        for (int i = 3; i < length; i++) {
            if (buffer[i - 3] == '\r' && buffer[i - 2] == '\n' && buffer[i - 1] == '\r' && buffer[i] == '\n') {
                return true;
            }
        }
        return false;
    }
}

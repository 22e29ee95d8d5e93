package dev.kproxy.jvmagent.hooks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The agent's line to the kproxy daemon: the 0600 Unix socket {@code $KPROXY_HOME/agent.sock},
 * one request line out, one answer line back, on one connection kept open. Calls are synchronous
 * (a name lookup or a connect waits for the answer) and serialised; each takes well under a
 * millisecond. Connecting to a Unix address passes through the agent's own connect hook untouched.
 */
public final class DaemonLink {
    private final Path socket;
    private SocketChannel channel;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);

    public DaemonLink(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** The answer line, without its newline; one reconnect when the daemon dropped the connection. */
    public synchronized String ask(String request) throws IOException {
        try {
            return exchange(request);
        } catch (IOException first) {
            closeQuietly();
            return exchange(request);
        }
    }

    private String exchange(String request) throws IOException {
        if (channel == null) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
            channel = ch;
            in.clear().flip();
        }
        ByteBuffer out = ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            in.clear();
            int n = channel.read(in);
            in.flip();
            if (n < 0) {
                throw new IOException("the kproxy daemon closed the agent connection");
            }
        }
    }

    private void closeQuietly() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // reconnecting anyway
            }
            channel = null;
        }
    }
}

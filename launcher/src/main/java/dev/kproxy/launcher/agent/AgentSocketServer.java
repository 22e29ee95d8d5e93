package dev.kproxy.launcher.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * The agents' way to the daemon: a Unix socket in {@code $KPROXY_HOME} (a 0700 directory), itself
 * 0600, like the control socket - only the user's own processes can ask it for cluster routes.
 * Each agent keeps one connection open and asks one line at a time.
 */
final class AgentSocketServer implements AutoCloseable {
    private final Path socket;
    private final UnaryOperator<String> answers;
    private final ServerSocketChannel server;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "kproxy-agent-link");
        t.setDaemon(true);
        return t;
    });

    AgentSocketServer(Path socket, UnaryOperator<String> answers) throws IOException {
        this.socket = socket;
        this.answers = answers;
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        workers.execute(this::acceptLoop);
    }

    Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel agent = server.accept();
                workers.execute(() -> serve(agent));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel agent) {
        try (agent;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(agent), StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(agent)) {
            for (String line; (line = in.readLine()) != null; ) {
                out.write((answers.apply(line) + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the app exited
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // recreated on the next start
        }
        workers.shutdownNow();
    }
}

package dev.kproxy.launcher.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import dev.kproxy.launcher.daemon.PrivateUnixSocket;

/**
 * The agents' way to the daemon: a Unix socket in {@code $KPROXY_HOME} (a 0700 directory), itself
 * 0600, like the control socket - only the user's own processes can ask it for cluster routes.
 * Each agent keeps one connection open and asks one line at a time.
 */
final class AgentSocketServer implements AutoCloseable {
    private final UnaryOperator<String> answers;
    private final PrivateUnixSocket socket;

    AgentSocketServer(Path socket, UnaryOperator<String> answers) throws IOException {
        this.answers = answers;
        this.socket = new PrivateUnixSocket(socket, "kproxy-agent-link", this::serve);
    }

    Path socket() {
        return socket.path();
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
        socket.close();
    }
}

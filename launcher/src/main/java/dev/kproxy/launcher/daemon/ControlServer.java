package dev.kproxy.launcher.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The daemon's control socket: a Unix domain socket in {@code $KPROXY_HOME} (a 0700 directory;
 * the socket itself 0600), so only the user can steer the daemon. One JSON request line in, one
 * JSON response line out: {@code {"command":"status"}} → {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"one line"}}.
 */
public final class ControlServer implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Function<JsonNode, ObjectNode>> commands;
    private final PrivateUnixSocket socket;

    public ControlServer(Path socket, Map<String, Function<JsonNode, ObjectNode>> commands) throws IOException {
        this.commands = Map.copyOf(commands);
        this.socket = new PrivateUnixSocket(socket, "kproxy-control", this::serve);
    }

    private void serve(SocketChannel client) {
        try (client;
             BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
             OutputStream out = Channels.newOutputStream(client)) {
            String line = in.readLine();
            if (line == null) {
                return;
            }
            out.write((JSON.writeValueAsString(answer(line)) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the CLI went away; nothing to answer
        }
    }

    private ObjectNode answer(String line) {
        try {
            JsonNode request = JSON.readTree(line);
            String command = request.path("command").asString("");
            Function<JsonNode, ObjectNode> handler = commands.get(command);
            if (handler == null) {
                return error("unknown command \"" + command + "\" (this daemon knows " + commands.keySet() + ")");
            }
            ObjectNode response = handler.apply(request);
            response.put("ok", true);
            return response;
        } catch (JacksonException e) {
            return error("malformed request: " + e.getOriginalMessage());
        } catch (DaemonError e) {
            return error(e.getMessage());
        }
    }

    private static ObjectNode error(String message) {
        return JSON.createObjectNode().put("ok", false).put("error", message);
    }

    /**
     * Stops accepting, then lets answers already being written finish: {@code quit}'s own answer is
     * written after its handler asked the daemon to stop, and interrupting it made the CLI report
     * "not connected" to a daemon that was in fact disconnecting.
     */
    @Override
    public void close() {
        socket.close(Duration.ofSeconds(2));
    }
}

package dev.kproxy.launcher.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.kproxy.launcher.UserError;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The CLI side of {@link ControlServer}. */
public final class ControlClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final Path socket;

    public ControlClient(Path socket) {
        this.socket = socket;
    }

    /** The daemon's answer, or empty when no daemon listens on the socket. */
    public Optional<JsonNode> tryCall(ObjectNode request) {
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(java.nio.ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8)));
            String line = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)).readLine();
            return line == null ? Optional.empty() : Optional.of(JSON.readTree(line));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Calls the daemon; a refusal or an absent daemon becomes a {@link UserError}. */
    public JsonNode call(String command) {
        JsonNode answer = tryCall(JSON.createObjectNode().put("command", command))
                .orElseThrow(() -> new UserError("kproxy is not connected; run `kproxy connect` first"));
        if (!answer.path("ok").asBoolean()) {
            throw new UserError(answer.path("error").asString("the daemon refused the request"));
        }
        return answer;
    }

    public static ObjectNode request(String command) {
        return JSON.createObjectNode().put("command", command);
    }
}

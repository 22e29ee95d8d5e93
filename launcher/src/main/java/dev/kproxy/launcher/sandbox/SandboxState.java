package dev.kproxy.launcher.sandbox;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import dev.kproxy.launcher.KproxyHome;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a running {@code kproxy sandbox up} tells other kproxy commands:
 * {@code $KPROXY_HOME/sandbox/state.json}, readable only by the user.
 */
public record SandboxState(long pid, URI apiServer, Path kubeconfig, boolean ready) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public static Path dir(KproxyHome home) {
        return home.dir("sandbox");
    }

    static Path file(KproxyHome home) {
        return dir(home).resolve("state.json");
    }

    /** The state of a sandbox whose process is still alive; a stale file is removed. */
    public static Optional<SandboxState> read(KproxyHome home) {
        try {
            Optional<SandboxState> s = readRaw(home);
            if (s.isPresent() && !ProcessHandle.of(s.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
                Files.deleteIfExists(file(home));
                return Optional.empty();
            }
            return s;
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    void write(KproxyHome home) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("pid", pid).put("apiServer", apiServer.toString()).put("kubeconfig", kubeconfig.toString()).put("ready", ready);
        Path f = file(home);
        Path tmp = f.resolveSibling("state.json.tmp");
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static void remove(KproxyHome home, long pid) {
        try {
            Optional<SandboxState> s = readRaw(home);
            if (s.isPresent() && s.get().pid() == pid) {
                Files.deleteIfExists(file(home));
            }
        } catch (IOException ignored) {
            // best effort: a stale file is detected by the next reader anyway
        }
    }

    private static Optional<SandboxState> readRaw(KproxyHome home) throws IOException {
        Path f = file(home);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        JsonNode n = JSON.readTree(Files.readString(f));
        return Optional.of(new SandboxState(n.path("pid").asLong(), URI.create(n.path("apiServer").asString()),
                Path.of(n.path("kubeconfig").asString()), n.path("ready").asBoolean()));
    }
}

package dev.kproxy.launcher.daemon;

import dev.kproxy.launcher.KproxyHome;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the connect daemon and the CLI meet in {@code $KPROXY_HOME}: the control socket, the log,
 * and the file in which a daemon that could not start leaves its one-line reason for the CLI.
 */
public record DaemonFiles(Path socket, Path log, Path failure) {

    public static DaemonFiles in(KproxyHome home) {
        Path root = home.root();
        return new DaemonFiles(root.resolve("daemon.sock"), root.resolve("daemon.log"), root.resolve("daemon.failed"));
    }

    public ControlClient client() {
        return new ControlClient(socket);
    }

    public void recordFailure(String oneLine) {
        try {
            Files.writeString(failure, oneLine + "\n");
        } catch (IOException e) {
            // the CLI then falls back to the log's last line
        }
    }

    public Optional<String> failureReason() {
        try {
            return Files.isRegularFile(failure) ? Optional.of(Files.readString(failure).strip()).filter(s -> !s.isEmpty()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public void clearForStart() {
        try {
            Files.deleteIfExists(failure);
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // stale files only make messages less precise
        }
    }
}

package dev.kproxy.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code $KPROXY_HOME} (default {@code ~/.kproxy}): state, sockets and logs. Mode 0700, because
 * whatever can reach the files inside can steer the daemon.
 */
public final class KproxyHome {
    private final Path root;

    private KproxyHome(Path root) {
        this.root = root;
    }

    public static KproxyHome resolve() {
        String env = System.getenv("KPROXY_HOME");
        return at(env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".kproxy"));
    }

    public static KproxyHome at(Path root) {
        return new KproxyHome(root.toAbsolutePath());
    }

    public Path root() {
        return ensureDir(root);
    }

    /** A private subdirectory, created on first use. */
    public Path dir(String name) {
        root();
        return ensureDir(root.resolve(name));
    }

    private static Path ensureDir(Path dir) {
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            return dir;
        } catch (IOException | UnsupportedOperationException e) {
            throw new UserError("cannot use " + dir + " (" + e.getMessage() + "): set KPROXY_HOME to a directory you own");
        }
    }
}

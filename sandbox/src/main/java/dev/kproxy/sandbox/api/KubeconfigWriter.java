package dev.kproxy.sandbox.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

/**
 * Writes the kubeconfig that points kubectl, fabric8 and kproxy at the sandbox: one cluster, user
 * and context, all named {@value #NAME}. The file holds a bearer token, so it is created 0600
 * before any byte is written.
 */
public final class KubeconfigWriter {
    public static final String NAME = "kproxy-sandbox";

    private KubeconfigWriter() {
    }

    public static void write(Path file, URI server, String caPem, String token, String namespace) {
        String ca = Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.US_ASCII));
        String yaml = "apiVersion: v1\n"
                + "kind: Config\n"
                + "clusters:\n"
                + "- name: " + NAME + "\n"
                + "  cluster:\n"
                + "    server: " + quote(server.toString()) + "\n"
                + "    certificate-authority-data: " + ca + "\n"
                + "users:\n"
                + "- name: " + NAME + "\n"
                + "  user:\n"
                + "    token: " + quote(token) + "\n"
                + "contexts:\n"
                + "- name: " + NAME + "\n"
                + "  context:\n"
                + "    cluster: " + NAME + "\n"
                + "    user: " + NAME + "\n"
                + "    namespace: " + quote(namespace) + "\n"
                + "current-context: " + NAME + "\n"
                + "preferences: {}\n";
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(file);
            } catch (FileAlreadyExistsException raced) {
                throw new IOException("someone else created " + file + " while it was being written", raced);
            }
            Files.writeString(file, yaml, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }

    /** YAML double-quoted scalar: tokens and namespaces never need more than backslash and quote escaping. */
    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}

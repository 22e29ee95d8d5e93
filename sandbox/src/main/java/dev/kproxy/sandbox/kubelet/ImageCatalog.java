package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The sandbox's image registry: a YAML file the user edits, mapping image names to the local
 * command that stands in for them. Re-read whenever the file changes, so a pod stuck in
 * ImagePullBackOff starts once its entry is added.
 *
 * <pre>
 * images:
 *   "registry.example/sage:1.4":        # exact image
 *     entrypoint: ["${JAVA}"]
 *     cmd: ["-jar", "${CATALOG_DIR}/sage.jar"]
 *     env: {BIND_ADDRESS: "${POD_IP}", JAVA_TOOL_OPTIONS: "-Djdk.net.hosts.file=${POD_DIR}/etc/hosts"}
 *     workingDir: /app
 *   "python":                           # any tag or digest of python
 *     entrypoint: [python3]
 *   "ghcr.io/acme/*":                   # glob; * and ? as in a shell, tried in file order
 *     entrypoint: [/bin/sh, -c]
 * </pre>
 * Lookup order: the exact image, then the image without tag/digest, then globs in file order.
 */
public final class ImageCatalog {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final Path file;
    private FileTime loadedAt;
    private Map<String, ImageEntry> entries = Map.of();
    private String loadError;

    public ImageCatalog(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    public Path path() {
        return file;
    }

    /** The directory of the catalogue file, for {@code ${CATALOG_DIR}}. */
    public Path directory() {
        return file.getParent();
    }

    /** The file's modification time, or null when it does not exist; lets the kubelet notice edits. */
    FileTime lastModified() {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @throws ContainerWaitingException ErrImagePull when the catalogue is unreadable or has no entry
     */
    ImageEntry resolve(String image) throws ContainerWaitingException {
        Map<String, ImageEntry> current = current();
        for (String candidate : List.of(image, withoutTagOrDigest(image))) {
            ImageEntry e = current.get(candidate);
            if (e != null) {
                return e;
            }
        }
        for (Map.Entry<String, ImageEntry> e : current.entrySet()) {
            if (isGlob(e.getKey()) && glob(e.getKey()).matcher(image).matches()) {
                return e.getValue();
            }
        }
        throw new ContainerWaitingException("ErrImagePull", "image \"" + image
                + "\" is not in the sandbox image catalogue " + file + ": add an entry for it");
    }

    private synchronized Map<String, ImageEntry> current() throws ContainerWaitingException {
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (NoSuchFileException missing) {
            entries = Map.of();
            loadedAt = null;
            loadError = null;
            return entries;
        } catch (IOException e) {
            throw new ContainerWaitingException("ErrImagePull", "cannot read the sandbox image catalogue " + file + ": " + e.getMessage());
        }
        if (!modified.equals(loadedAt)) {
            loadedAt = modified;
            try {
                entries = parse(Files.readString(file, StandardCharsets.UTF_8));
                loadError = null;
            } catch (IOException | JacksonException | IllegalArgumentException e) {
                entries = Map.of();
                loadError = "the sandbox image catalogue " + file + " is invalid: " + firstLine(e.getMessage()) + "; fix the file";
            }
        }
        if (loadError != null) {
            throw new ContainerWaitingException("ErrImagePull", loadError);
        }
        return entries;
    }

    private static Map<String, ImageEntry> parse(String yaml) {
        JsonNode root = YAML.readTree(yaml);
        if (root == null || root.isMissingNode() || root.isNull()) {
            return Map.of();
        }
        JsonNode images = root.path("images");
        if (!images.isObject()) {
            throw new IllegalArgumentException("expected a top-level \"images:\" map of image name to entry");
        }
        Map<String, ImageEntry> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : images.properties()) {
            JsonNode v = e.getValue();
            if (!v.isObject()) {
                throw new IllegalArgumentException("entry \"" + e.getKey() + "\" must be a map with entrypoint/cmd/env/workingDir");
            }
            Map<String, String> env = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> kv : v.path("env").properties()) {
                env.put(kv.getKey(), kv.getValue().isNull() ? "" : kv.getValue().asString());
            }
            out.put(e.getKey(), new ImageEntry(e.getKey(), strings(e.getKey(), v, "entrypoint"), strings(e.getKey(), v, "cmd"),
                    Map.copyOf(env), v.path("workingDir").asString(""), digest(v.toString())));
        }
        return out;
    }

    private static List<String> strings(String image, JsonNode entry, String field) {
        JsonNode n = entry.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException("\"" + image + "\"." + field + " must be a list of strings, e.g. [python3, app.py]");
        }
        List<String> out = new ArrayList<>();
        n.forEach(s -> out.add(s.asString()));
        return List.copyOf(out);
    }

    /** Docker reference grammar: a digest follows '@'; a tag is a ':' after the last '/' (a ':' before it is a registry port). */
    static String withoutTagOrDigest(String image) {
        String s = image;
        int at = s.indexOf('@');
        if (at >= 0) {
            s = s.substring(0, at);
        }
        int colon = s.lastIndexOf(':');
        if (colon > s.lastIndexOf('/')) {
            s = s.substring(0, colon);
        }
        return s;
    }

    private static boolean isGlob(String pattern) {
        return pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0;
    }

    private static Pattern glob(String pattern) {
        StringBuilder re = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    private static String digest(String s) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}

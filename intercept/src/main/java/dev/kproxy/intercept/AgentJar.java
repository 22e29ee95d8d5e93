package dev.kproxy.intercept;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.LocalDateTime;
import java.util.List;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import dev.kproxy.agent.AgentMain;

/**
 * The agent's runnable jar, built at run time from the {@code dev.kproxy.agent} and
 * {@code dev.kproxy.tunnel} classes on this JVM's class path, whether they sit in a classes
 * directory, the intercept-agent jar or the shaded launcher jar. The bytes are deterministic (sorted
 * entries, one fixed timestamp, a hand-written manifest) so installing again with the same classes
 * leaves the ConfigMap unchanged.
 */
public final class AgentJar {
    static final String MAIN_CLASS = AgentMain.class.getName();
    private static final List<String> PACKAGES = List.of("dev/kproxy/agent/", "dev/kproxy/tunnel/");
    /** DOS time, local-date based: {@code setTime(long)} would depend on the JVM's time zone. */
    private static final LocalDateTime FIXED_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private AgentJar() {
    }

    /** The jar's bytes; fails when the agent classes cannot be read (a broken installation). */
    public static byte[] build() {
        CodeSource source = AgentMain.class.getProtectionDomain().getCodeSource();
        if (source == null) {
            throw new IllegalStateException("cannot tell where " + MAIN_CLASS + " was loaded from");
        }
        return from(path(source.getLocation()));
    }

    /** From a classes directory or a jar (the agent's own, or the shaded launcher jar holding everything). */
    static byte[] from(Path location) {
        TreeMap<String, byte[]> classes = readClasses(location);
        if (!classes.containsKey(MAIN_CLASS.replace('.', '/') + ".class")) {
            throw new IllegalStateException("the kproxy agent classes are not on the class path (" + MAIN_CLASS + " missing)");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            put(zip, "META-INF/MANIFEST.MF", ("Manifest-Version: 1.0\r\nMain-Class: " + MAIN_CLASS
                    + "\r\nCreated-By: kproxy\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            for (var e : classes.entrySet()) {
                put(zip, e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the agent jar: " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setTimeLocal(FIXED_TIME);
        zip.putNextEntry(entry);
        zip.write(content);
        zip.closeEntry();
    }

    /** Entry name → bytes, sorted by name. */
    private static TreeMap<String, byte[]> readClasses(Path location) {
        TreeMap<String, byte[]> out = new TreeMap<>();
        try {
            if (Files.isDirectory(location)) {
                for (String pkg : PACKAGES) {
                    Path dir = location.resolve(pkg);
                    if (!Files.isDirectory(dir)) {
                        continue;
                    }
                    try (Stream<Path> files = Files.walk(dir)) {
                        for (Path f : files.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".class")).toList()) {
                            out.put(location.relativize(f).toString().replace('\\', '/'), Files.readAllBytes(f));
                        }
                    }
                }
            } else {
                try (JarFile jar = new JarFile(location.toFile())) {
                    for (JarEntry e : jar.stream().filter(AgentJar::isAgentClass).toList()) {
                        try (InputStream in = jar.getInputStream(e)) {
                            out.put(e.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent classes from " + location + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static boolean isAgentClass(JarEntry e) {
        return !e.isDirectory() && e.getName().endsWith(".class") && PACKAGES.stream().anyMatch(e.getName()::startsWith);
    }

    private static Path path(URL url) {
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot read the agent classes from " + url, e);
        }
    }
}

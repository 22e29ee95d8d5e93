package dev.kproxy.intercept;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.agent.AgentMain;

class AgentJarTest {
    @TempDir
    Path dir;

    @Test
    void sameClassesGiveTheSameBytes() {
        assertThat(AgentJar.build()).isEqualTo(AgentJar.build());
    }

    /** The shaded launcher jar holds everything; only the agent's packages may go into the agent jar. */
    @Test
    void readsTheSameClassesFromAShadedJarAsFromTheClassesDirectory() throws Exception {
        Path location = Path.of(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        // `mvn test` puts the agent's classes directory on the class path, `mvn verify` its jar.
        Path classes = Files.isDirectory(location) ? location : unpack(location, dir.resolve("classes"));
        Path shaded = dir.resolve("shaded.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(shaded));
             Stream<Path> files = Files.walk(classes)) {
            out.putNextEntry(new JarEntry("io/netty/Other.class"));
            out.write(new byte[] {1, 2, 3});
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                out.write(Files.readAllBytes(f));
            }
        }
        assertThat(AgentJar.from(shaded)).isEqualTo(AgentJar.from(classes)).isEqualTo(AgentJar.build());
    }

    private static Path unpack(Path jar, Path to) throws Exception {
        try (JarInputStream in = new JarInputStream(Files.newInputStream(jar))) {
            for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
                if (!e.isDirectory()) {
                    Path f = to.resolve(e.getName());
                    Files.createDirectories(f.getParent());
                    Files.write(f, in.readAllBytes());
                }
            }
        }
        return to;
    }

    @Test
    void holdsTheAgentAndTunnelClassesSortedWithAMainClass() throws Exception {
        List<String> names = new ArrayList<>();
        try (JarInputStream jar = new JarInputStream(new ByteArrayInputStream(AgentJar.build()))) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.kproxy.agent.AgentMain");
            for (JarEntry e = jar.getNextJarEntry(); e != null; e = jar.getNextJarEntry()) {
                names.add(e.getName());
            }
        }
        assertThat(names).contains("dev/kproxy/agent/AgentMain.class", "dev/kproxy/tunnel/FrameCodec.class")
                .allMatch(n -> n.startsWith("dev/kproxy/agent/") || n.startsWith("dev/kproxy/tunnel/"))
                .isSorted();
    }

    @Test
    void runsWithJavaJarAndPrintsItsUsageErrorWhenUnconfigured() throws Exception {
        Path jar = Files.write(dir.resolve("agent.jar"), AgentJar.build());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("KPROXY_"));
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).contains("kproxy-agent: KPROXY_AGENT_PORTS is not set");
        assertThat(p.exitValue()).isEqualTo(2);
    }
}

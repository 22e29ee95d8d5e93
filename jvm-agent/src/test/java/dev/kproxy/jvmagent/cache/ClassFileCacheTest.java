package dev.kproxy.jvmagent.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent keeps between starts: found again only for the same source bytes and agent jar, owner-only, never damaged. */
class ClassFileCacheTest {
    private static final String NAME = "sun/nio/ch/SocketChannelImpl";
    private static final byte[] SOURCE = {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 1, 2, 3};
    private static final byte[] WOVEN = {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 9, 8, 7, 6};

    @TempDir
    Path home;
    File jar;

    @BeforeEach
    void agentJar() throws IOException {
        jar = Files.write(home.resolve("kproxy-agent.jar"), new byte[] {1, 2, 3}).toFile();
    }

    @Test
    void anEntryIsFoundForTheSameSourceAndAgentAndIsOwnerOnly() throws IOException {
        ClassFileCache.in(home.toFile(), jar).put(NAME, SOURCE, WOVEN);

        assertThat(ClassFileCache.in(home.toFile(), jar).get(NAME, SOURCE)).isEqualTo(WOVEN);
        Path root = home.resolve("agent-cache");
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                        .as(p.toString()).isEqualTo(Files.isDirectory(p) ? "rwx------" : "rw-------");
            }
        }
        try (Stream<Path> entries = Files.walk(root)) {
            assertThat(entries.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .singleElement().asString().startsWith("sun.nio.ch.SocketChannelImpl-7-").endsWith(".class");
        }
    }

    @Test
    void otherSourceBytesOrAnotherAgentBuildMiss() throws IOException {
        ClassFileCache.in(home.toFile(), jar).put(NAME, SOURCE, WOVEN);
        byte[] otherJdk = SOURCE.clone();
        otherJdk[6] = 4;

        assertThat(ClassFileCache.in(home.toFile(), jar).get(NAME, otherJdk)).isNull();
        assertThat(ClassFileCache.in(home.toFile(), jar).get("sun/nio/ch/NioSocketImpl", SOURCE)).isNull();
        Files.setLastModifiedTime(jar.toPath(), FileTime.fromMillis(jar.lastModified() + 60_000));
        assertThat(ClassFileCache.in(home.toFile(), jar).get(NAME, SOURCE)).as("a rebuilt agent").isNull();
    }

    @Test
    void aDamagedOrTruncatedEntryIsAMiss() throws IOException {
        ClassFileCache.in(home.toFile(), jar).put(NAME, SOURCE, WOVEN);
        Path entry;
        try (Stream<Path> entries = Files.walk(home.resolve("agent-cache"))) {
            entry = entries.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(entry);
        bytes[bytes.length - 1] ^= 1;
        Files.write(entry, bytes);
        assertThat(ClassFileCache.in(home.toFile(), jar).get(NAME, SOURCE)).isNull();

        Files.write(entry, new byte[] {0x4b, 0x50});
        assertThat(ClassFileCache.in(home.toFile(), jar).get(NAME, SOURCE)).isNull();
    }

    @Test
    void aHomeOthersMayWriteToGetsNoCache() throws IOException {
        Path shared = Files.createDirectory(home.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        ClassFileCache.in(shared.toFile(), jar).put(NAME, SOURCE, WOVEN);
        assertThat(ClassFileCache.in(shared.toFile(), jar).get(NAME, SOURCE)).isNull();

        // A cache directory someone else made writable is not used either.
        ClassFileCache.in(home.toFile(), jar).put(NAME, SOURCE, WOVEN);
        Files.setPosixFilePermissions(home.resolve("agent-cache"), PosixFilePermissions.fromString("rwxrwx---"));
        assertThat(ClassFileCache.in(home.toFile(), jar).get(NAME, SOURCE)).isNull();
    }

    @Test
    void withoutTheDaemonsHomeThereIsNoCache() {
        ClassFileCache none = ClassFileCache.in(home.resolve("absent").toFile(), jar);
        none.put(NAME, SOURCE, WOVEN);

        assertThat(none.get(NAME, SOURCE)).isNull();
        assertThat(home.resolve("absent")).doesNotExist();
        assertThat(ClassFileCache.in(home.toFile(), null).get(NAME, SOURCE)).isNull();
    }
}

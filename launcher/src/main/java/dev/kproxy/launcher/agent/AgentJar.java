package dev.kproxy.launcher.agent;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * {@code kproxy-agent.jar}: built by the {@code jvm-agent} module and carried inside
 * {@code kproxy.jar}; a JVM needs it as a file, so it is written to {@code $KPROXY_HOME/agent/}
 * (again only when this kproxy carries a different one). Also where agents find the daemon.
 */
public final class AgentJar {
    static final String RESOURCE = "/dev/kproxy/launcher/agent/kproxy-agent.jar";
    public static final String FILE_NAME = "kproxy-agent.jar";

    private AgentJar() {
    }

    /** The agent jar on disk, written out of kproxy.jar if missing or different. */
    public static Path extract(KproxyHome home) {
        byte[] carried;
        try (InputStream in = AgentJar.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UserError("this kproxy build carries no " + FILE_NAME + "; build it with ./mvnw -B package -DskipTests");
            }
            carried = in.readAllBytes();
        } catch (IOException e) {
            throw new UserError("cannot read " + FILE_NAME + " from kproxy.jar: " + e.getMessage());
        }
        Path jar = home.dir("agent").resolve(FILE_NAME);
        try {
            if (!Files.isRegularFile(jar) || !Arrays.equals(Files.readAllBytes(jar), carried)) {
                Path tmp = Files.createTempFile(jar.getParent(), FILE_NAME, ".tmp");
                Files.write(tmp, carried);
                Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UserError("cannot write " + jar + ": " + e.getMessage() + "; check the permissions of $KPROXY_HOME");
        }
        return jar;
    }

    /** Whether this kproxy build carries the agent (a build from the IDE's classes may not). */
    public static boolean carried() {
        return AgentJar.class.getResource(RESOURCE) != null;
    }

    /** The daemon's agent socket in {@code home}. */
    public static Path socket(KproxyHome home) {
        return home.root().resolve("agent.sock");
    }

    /** The JVM option: {@code -javaagent:JAR=socket=SOCKET}. */
    public static String javaOption(KproxyHome home) {
        return "-javaagent:" + extract(home) + "=socket=" + socket(home);
    }
}

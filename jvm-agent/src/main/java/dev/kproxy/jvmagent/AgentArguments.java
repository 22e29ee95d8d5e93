package dev.kproxy.jvmagent;

import java.nio.file.Path;

/**
 * Where the daemon's agent socket is: {@code -javaagent:kproxy-agent.jar=socket=PATH} (what
 * {@code kproxy run} and {@code kproxy connect} print), else {@code -Dkproxy.agent.socket},
 * else {@code $KPROXY_HOME/agent.sock}, else {@code ~/.kproxy/agent.sock} - so a bare
 * {@code -javaagent:} line in an IDE works for the default home.
 */
final class AgentArguments {
    static final String SOCKET_FILE = "agent.sock";

    private AgentArguments() {
    }

    /** From the agent argument alone when it names the socket (the environment is read only otherwise: it costs start-up time). */
    static Path socket(String args) {
        Path fromArgument = fromArgument(args);
        return fromArgument != null ? fromArgument : socket(null, System.getenv("KPROXY_HOME"), System.getProperty("user.home"));
    }

    private static Path fromArgument(String args) {
        if (args != null) {
            for (String part : args.split(",")) {
                if (part.startsWith("socket=") && part.length() > "socket=".length()) {
                    return Path.of(part.substring("socket=".length()));
                }
            }
        }
        return null;
    }

    static Path socket(String args, String kproxyHome, String userHome) {
        Path fromArgument = fromArgument(args);
        if (fromArgument != null) {
            return fromArgument;
        }
        String property = System.getProperty("kproxy.agent.socket");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (kproxyHome != null && !kproxyHome.isBlank()) {
            return Path.of(kproxyHome, SOCKET_FILE);
        }
        return Path.of(userHome, ".kproxy", SOCKET_FILE);
    }
}

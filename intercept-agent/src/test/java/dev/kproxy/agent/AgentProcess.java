package dev.kproxy.agent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/** The agent as a separate JVM ({@code java -cp target/classes dev.kproxy.agent.AgentMain}), its output collected. */
final class AgentProcess implements AutoCloseable {
    private final Process process;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread outputReader;

    private AgentProcess(Process process) {
        this.process = process;
        this.outputReader = new Thread(this::collectOutput, "agent-output");
        outputReader.setDaemon(true);
        outputReader.start();
    }

    /** Starts an agent on loopback, on ephemeral ports unless the environment says otherwise, and waits until ready. */
    static AgentProcess start(Map<String, String> environment) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-cp", classesDirectory(), AgentMain.class.getName());
        builder.redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("KPROXY_AGENT_TUNNEL_PORT", "0");
        env.put("KPROXY_AGENT_TUNNEL_ADDRESS", "127.0.0.1");
        env.put("KPROXY_AGENT_LISTEN_ADDRESS", "127.0.0.1");
        env.putAll(environment);
        AgentProcess agent = new AgentProcess(builder.start());
        try {
            agent.awaitLine("kproxy-agent: ready", Duration.ofSeconds(30));
        } catch (RuntimeException e) {
            agent.close();
            throw new IllegalStateException("agent did not start; output:\n" + String.join("\n", agent.lines), e);
        }
        return agent;
    }

    private static String classesDirectory() {
        try {
            return Path.of(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void collectOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.add(line);
                System.out.println("[agent] " + line);
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    void awaitLine(String fragment, Duration timeout) {
        awaitLines(fragment, 1, timeout);
    }

    void awaitLines(String fragment, long count, Duration timeout) {
        await().atMost(timeout).until(() -> countLines(fragment) >= count || !process.isAlive());
        if (countLines(fragment) < count) {
            throw new IllegalStateException("agent exited before logging '" + fragment + "'; output:\n" + String.join("\n", lines));
        }
    }

    long countLines(String fragment) {
        return lines.stream().filter(line -> line.contains(fragment)).count();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    int tunnelPort() {
        return port(Pattern.compile("listening for tunnels on .*:(\\d+)$"));
    }

    int interceptPort(int appPort) {
        return port(Pattern.compile("listening on .*:(\\d+) for app port " + appPort + " "));
    }

    private int port(Pattern pattern) {
        for (String line : lines) {
            Matcher matcher = pattern.matcher(line);
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
        }
        throw new IllegalStateException("no line matches " + pattern + " in:\n" + String.join("\n", lines));
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            outputReader.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            process.getInputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

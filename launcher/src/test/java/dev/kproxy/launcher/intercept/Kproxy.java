package dev.kproxy.launcher.intercept;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code kproxy} CLI as child JVMs ({@code java -cp <test class path> dev.kproxy.launcher.Main}) with a
 * private KPROXY_HOME, and other child JVMs of the test class path (the laptop's sage and quota).
 */
final class Kproxy {
    record Result(int exit, String out, String err) {
        String all() {
            return out + err;
        }
    }

    final Path home;

    Kproxy(Path home) {
        this.home = home;
    }

    Result run(String... args) throws IOException, InterruptedException {
        List<String> command = java("dev.kproxy.launcher.Main");
        command.addAll(List.of(args));
        Path err = Files.createTempFile(home, "cli", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
        builder.environment().put("KPROXY_HOME", home.toString());
        builder.environment().remove("KUBECONFIG");
        Process p = builder.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: kproxy " + String.join(" ", args));
        }
        String errText = Files.readString(err);
        Files.delete(err);
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), errText);
    }

    String daemonLog() {
        try {
            return Files.readString(home.resolve("daemon.log"));
        } catch (IOException e) {
            return "(no daemon log: " + e.getMessage() + ")";
        }
    }

    /** A child JVM running {@code mainClass} with this environment; the caller destroys it. */
    static Process background(String mainClass, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(java(mainClass)).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        return builder.start();
    }

    static List<String> java(String mainClass) {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
    }
}

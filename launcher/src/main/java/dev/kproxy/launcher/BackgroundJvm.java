package dev.kproxy.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts another {@code kproxy} command in a background JVM of the same installation (same java,
 * same class path), detached from the terminal, with its output in a log file. Used by
 * {@code sandbox up --detach} and {@code connect}, which then wait for it to say it is ready.
 */
public final class BackgroundJvm {
    private BackgroundJvm() {
    }

    public static Process start(List<String> kproxyArgs, Path log) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        // A background process's log is read after the fact: stamp each line with the time.
        command.addAll(List.of("-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSXXX"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(kproxyArgs);
        try {
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UserError("cannot start a background kproxy process: " + e.getMessage());
        }
    }

    /** The last non-blank line of a log, to say in one line why a background process stopped. */
    public static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            for (int i = lines.size() - 1; i >= 0; i--) {
                if (!lines.get(i).isBlank()) {
                    return lines.get(i).trim();
                }
            }
        } catch (IOException ignored) {
            // no log yet
        }
        return "(no output)";
    }
}

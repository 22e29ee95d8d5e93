package dev.kproxy.launcher.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.launcher.Main;

/**
 * {@code kproxy sandbox up --detach | status | down} as a user runs them: separate JVMs, state in
 * {@code $KPROXY_HOME}, pods as processes of the background sandbox, nothing left afterwards.
 */
class SandboxCliTest {
    @TempDir
    Path home;

    record Run(int exit, String output) {
    }

    private Run kproxy(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KPROXY_HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(out).isTrue();
        return new Run(p.exitValue(), out);
    }

    @Test
    void upStatusDownLeavesNothingRunning() throws Exception {
        Path images = Files.writeString(home.resolve("images.yaml"), """
                images:
                  example.org/sleeper:
                    entrypoint: ["/bin/sh", "-c", "exec sleep 600"]
                """);
        Path manifest = Files.writeString(home.resolve("app.yaml"), """
                apiVersion: v1
                kind: Namespace
                metadata: {name: cli}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: sleeper, namespace: cli}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: sleeper}}
                  template:
                    metadata: {labels: {app: sleeper}}
                    spec:
                      containers: [{name: sleeper, image: "example.org/sleeper:1"}]
                """);

        Run up = kproxy("sandbox", "up", "--detach", "-f", manifest.toString(), "--images", images.toString());
        assertThat(up.exit()).as(up.output()).isZero();
        assertThat(up.output()).contains("Sandbox API server https://127.0.0.1:", "kubeconfig: ", "Ready.");
        SandboxState state = readState();
        List<ProcessHandle> pods = ProcessHandle.of(state.pid()).orElseThrow().descendants().toList();
        assertThat(pods).hasSizeGreaterThanOrEqualTo(2);

        Run again = kproxy("sandbox", "up", "--detach", "-f", manifest.toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output().strip()).startsWith("kproxy: a sandbox is already running (pid " + state.pid());

        Run status = kproxy("sandbox", "status");
        assertThat(status.exit()).as(status.output()).isZero();
        assertThat(status.output()).contains("sleeper-").contains("Running").contains("1/1");

        Run down = kproxy("sandbox", "down");
        assertThat(down.exit()).as(down.output()).isZero();
        assertThat(down.output()).contains("Sandbox stopped (pid " + state.pid() + ")");
        assertThat(ProcessHandle.of(state.pid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(pods).noneMatch(ProcessHandle::isAlive);
        assertThat(home.resolve("sandbox/state.json")).doesNotExist();
    }

    @Test
    void aBadManifestIsOneLineAndNoSandboxStaysUp() throws Exception {
        Path bad = Files.writeString(home.resolve("bad.yaml"), "apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n");
        Run up = kproxy("sandbox", "up", "--detach", "-f", bad.toString());
        assertThat(up.exit()).isEqualTo(1);
        assertThat(up.output().strip().lines()).last().asString()
                .startsWith("kproxy: the sandbox stopped during start-up: kproxy: " + bad + ", document 1: unknown kind v1/Widget");
        assertThat(kproxy("sandbox", "status").output()).contains("No sandbox is running");
    }

    private SandboxState readState() {
        return SandboxState.read(dev.kproxy.launcher.KproxyHome.at(home)).orElseThrow();
    }
}

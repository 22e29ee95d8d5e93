package dev.kproxy.sandbox;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sandboxes share machine-wide loopback addresses, so a second one must refuse to start, not collide. */
class OneSandboxPerMachineTest {

    private static SandboxConfig config(Path dir) {
        return SandboxConfig.builder().kubeconfig(dir.resolve("kubeconfig")).workDir(dir.resolve("run")).build();
    }

    @Test
    void aSecondSandboxIsRefusedUntilTheFirstStops(@TempDir Path a, @TempDir Path b) throws IOException {
        try (Sandbox first = Sandbox.start(config(a))) {
            assertThatThrownBy(() -> Sandbox.start(config(b)))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("another sandbox is running on this machine (pid " + ProcessHandle.current().pid() + ")")
                    .hasMessageContaining("kproxy sandbox down");
        }
        Sandbox.start(config(b)).close();
    }
}

package dev.kproxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.testpods.EchoPod;

class SandboxShutdownTest {

    @Test
    void closingTheSandboxLeavesNoChildProcess(@TempDir Path dir) {
        List<ProcessHandle> pods;
        try (TestSandbox t = TestSandbox.start(dir)) {
            t.client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder()
                    .withNewMetadata().withName("down").endMetadata().build()).create();
            t.client.apps().deployments().inNamespace("down")
                    .resource(SandboxClusterTest.echoDeployment("down", "echo", 2)).create();
            await().atMost(Duration.ofSeconds(90)).until(() -> echoProcesses().size() == 2);
            pods = echoProcesses();
        }
        assertThat(pods).noneMatch(ProcessHandle::isAlive);
        assertThat(echoProcesses()).isEmpty();
    }

    private static List<ProcessHandle> echoProcesses() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains(EchoPod.class.getName())).orElse(false))
                .toList();
    }
}

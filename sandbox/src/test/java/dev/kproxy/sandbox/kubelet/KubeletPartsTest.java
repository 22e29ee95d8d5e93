package dev.kproxy.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The small pure pieces: IP allocation, backoff, mount path mapping, pod phase. */
class KubeletPartsTest {
    @Test
    void podIpsComeFrom127_244AndAreReused() {
        PodIpAllocator ips = new PodIpAllocator();
        assertThat(ips.allocate()).isEqualTo("127.244.0.2");
        assertThat(ips.allocate()).isEqualTo("127.244.0.3");
        ips.release("127.244.0.2");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            many.add(ips.allocate());
        }
        assertThat(many).contains("127.244.1.0", "127.244.1.45").doesNotHaveDuplicates().doesNotContain("127.244.0.3");
    }

    @Test
    void backoffDoublesToTheCapAndResetsAfterALongRun() {
        RestartBackoff b = new RestartBackoff();
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            delays.add(b.next(Duration.ofSeconds(1)).toSeconds());
        }
        assertThat(delays).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
        assertThat(b.next(Duration.ofMinutes(2))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void mountPathsAreRewrittenOnlyAtPathBoundaries() throws Exception {
        MountPathMapper m = new MountPathMapper(SandboxNode.yaml("""
                name: app
                volumeMounts:
                - {name: config, mountPath: /etc/app}
                - {name: config, mountPath: /etc/app/special, subPath: nested}
                - {name: data-dir, mountPath: /data/}
                """), Map.of("config", Path.of("/pods/x/volumes/config"), "data-dir", Path.of("/pods/x/volumes/data-dir")));
        assertThat(m.map("/etc/app")).isEqualTo("/pods/x/volumes/config");
        assertThat(m.map("/etc/app/a.yaml")).isEqualTo("/pods/x/volumes/config/a.yaml");
        assertThat(m.map("/etc/app/special/b")).isEqualTo("/pods/x/volumes/config/nested/b");
        assertThat(m.map("/etc/application")).isEqualTo("/etc/application");
        assertThat(m.map("--config=/data/c.json")).isEqualTo("--config=/pods/x/volumes/data-dir/c.json");
        assertThat(m.map("see /etc/app")).isEqualTo("see /etc/app");
        assertThat(m.mountEnv()).containsEntry("KPROXY_MOUNT_DATA_DIR", "/pods/x/volumes/data-dir");
    }

    @Test
    void phaseFollowsTheKubeletsRules() {
        ContainerSnapshot.Termination ok = new ContainerSnapshot.Termination(0, "Completed", Instant.now(), Instant.now(), "");
        ContainerSnapshot.Termination bad = new ContainerSnapshot.Termination(1, "Error", Instant.now(), Instant.now(), "");
        ContainerSnapshot running = new ContainerSnapshot("a", "i", "", "", true, true, 0, Instant.now(), null, null, null, null);
        ContainerSnapshot creating = new ContainerSnapshot("b", "i", "", "", false, false, 0, null, "ContainerCreating", "", null, null);
        ContainerSnapshot backoff = new ContainerSnapshot("c", "i", "", "", false, false, 1, null, "CrashLoopBackOff", "", null, bad);
        ContainerSnapshot done = new ContainerSnapshot("d", "i", "", "", false, false, 0, null, null, null, ok, null);
        ContainerSnapshot failed = new ContainerSnapshot("e", "i", "", "", false, false, 0, null, null, null, bad, null);
        assertThat(PodStatusWriter.phase(List.of(running, creating), "Always")).isEqualTo("Pending");
        assertThat(PodStatusWriter.phase(List.of(running, backoff), "Always")).isEqualTo("Running");
        assertThat(PodStatusWriter.phase(List.of(backoff), "Always")).isEqualTo("Running");
        assertThat(PodStatusWriter.phase(List.of(done), "Never")).isEqualTo("Succeeded");
        assertThat(PodStatusWriter.phase(List.of(done, failed), "Never")).isEqualTo("Failed");
        assertThat(PodStatusWriter.phase(List.of(done, running), "Never")).isEqualTo("Running");
    }

    @Test
    void qosClassFromResources() {
        assertThat(PodStatusWriter.qosClass(SandboxNode.yaml("containers: [{name: a}]"))).isEqualTo("BestEffort");
        assertThat(PodStatusWriter.qosClass(SandboxNode.yaml(
                "containers: [{name: a, resources: {limits: {cpu: 1, memory: 1Gi}}}]"))).isEqualTo("Guaranteed");
        assertThat(PodStatusWriter.qosClass(SandboxNode.yaml(
                "containers: [{name: a, resources: {requests: {cpu: 100m}}}]"))).isEqualTo("Burstable");
    }
}

package dev.kproxy.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.node.ArrayNode;

/** Against the sandbox's API server, whose JSON patch {@code test} answers 422 like the real one. */
class GuardedPatchTest {
    @TempDir
    static Path dir;
    static Sandbox sandbox;
    static KubernetesClient client;
    static ClusterObjects objects;

    @BeforeAll
    static void start() throws Exception {
        sandbox = SageCluster.startSandbox(SandboxConfig.builder().kubeconfig(dir.resolve("kubeconfig")).workDir(dir.resolve("run")).build());
        client = SageCluster.client(sandbox.kubeconfig());
        objects = new ClusterObjects(client);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @BeforeEach
    void freshConfigMap() {
        client.configMaps().inNamespace("default").withName("c").delete();
        client.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("c").endMetadata()
                .withData(Map.of("k", "v0")).build()).create();
    }

    @Test
    void aWriteBetweenReadAndPatchMakesItPlanAgainFromTheNewState() {
        AtomicInteger plans = new AtomicInteger();
        boolean applied = GuardedPatch.apply(objects, ObjectKind.CONFIG_MAP, "default", "c", "/data/k", current -> {
            if (plans.incrementAndGet() == 1) {
                // Another writer gets in after our read.
                client.configMaps().inNamespace("default").withName("c").edit(cm -> {
                    cm.getData().put("k", "v1");
                    return cm;
                });
            }
            return Optional.of(replaceK(current.at("/data/k").asString() + "+kproxy"));
        });

        assertThat(applied).isTrue();
        assertThat(plans).hasValue(2);
        assertThat(client.configMaps().inNamespace("default").withName("c").get().getData()).containsEntry("k", "v1+kproxy");
    }

    @Test
    void aChangeTheServerRejectsIsReportedWithItsReason() {
        assertThatThrownBy(() -> GuardedPatch.apply(objects, ObjectKind.CONFIG_MAP, "default", "c", "/data/k", current -> {
            ArrayNode ops = ClusterObjects.JSON.createArrayNode();
            ops.addObject().put("op", "remove").put("path", "/data/missing");
            return Optional.of(ops);
        })).isInstanceOf(InterceptException.class)
                .hasMessageStartingWith("the API server refused kproxy's change to configmap default/c: ");
        assertThat(client.configMaps().inNamespace("default").withName("c").get().getData()).isEqualTo(Map.of("k", "v0"));
    }

    @Test
    void nothingPlannedOrNoObjectMeansNoPatch() {
        assertThat(GuardedPatch.apply(objects, ObjectKind.CONFIG_MAP, "default", "c", "/data/k", current -> Optional.empty())).isFalse();
        assertThat(GuardedPatch.apply(objects, ObjectKind.CONFIG_MAP, "default", "absent", "/data/k",
                current -> Optional.of(replaceK("x")))).isFalse();
    }

    private static ArrayNode replaceK(String value) {
        ArrayNode ops = ClusterObjects.JSON.createArrayNode();
        ops.addObject().put("op", "replace").put("path", "/data/k").put("value", value);
        return ops;
    }
}

package dev.kproxy.intercept;

import static dev.kproxy.intercept.SageCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.node.ObjectNode;

/** Every way an install can fail says, in one line, what is wrong and what to do; and leaves nothing behind. */
class InstallErrorsTest extends OnSageCluster {
    @Test
    void unknownService() {
        assertThatThrownBy(() -> installer.install(InterceptSpec.of(NS, "sagee")))
                .isInstanceOf(InterceptException.class)
                .hasMessage("no service wjyl-dev/sagee: check the name and namespace (kubectl get services -n wjyl-dev)");
    }

    @Test
    void unknownPortListsThePortsTheServiceHas() {
        assertThatThrownBy(() -> installer.install(InterceptSpec.of(NS, "sage").withServicePort("grpc")))
                .hasMessage("service wjyl-dev/sage has no port 'grpc'; its ports: http 50100→http");
    }

    @Test
    void serviceThatSelectsNoWorkload() {
        cluster.client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("orphan").endMetadata()
                .withNewSpec().withSelector(Map.of("app", "nothing")).addNewPort().withPort(80)
                .withTargetPort(new IntOrString(8080)).endPort().endSpec().build()).create();
        try {
            assertThatThrownBy(() -> installer.install(InterceptSpec.of(NS, "orphan")))
                    .hasMessage("service wjyl-dev/orphan selects no Deployment, StatefulSet or ReplicaSet (selector app=nothing):"
                            + " deploy its workload first, or check the selector");
        } finally {
            cluster.client.services().inNamespace(NS).withName("orphan").delete();
        }
    }

    @Test
    void serviceThatSelectsSeveralWorkloadsNamesThem() {
        cluster.client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                .withNewMetadata().withName("sage-canary").endMetadata()
                .withNewSpec().withReplicas(0).withNewSelector().withMatchLabels(Map.of("app", "sage", "track", "canary")).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(Map.of("app", "sage", "track", "canary")).endMetadata()
                .withNewSpec().addNewContainer().withName("sage").withImage("ghcr.io/kproxy-dev/sage:0.1.0").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        try {
            assertThatThrownBy(() -> installer.install(InterceptSpec.of(NS, "sage")))
                    .hasMessage("service wjyl-dev/sage (selector app=sage) selects several workloads: deployment/sage,"
                            + " deployment/sage-canary; kproxy intercepts a Service backed by exactly one workload");
        } finally {
            cluster.client.apps().deployments().inNamespace(NS).withName("sage-canary").delete();
        }
    }

    @Test
    void aConfigMapOfTheSameNameThatIsNotKproxysIsLeftAlone() {
        ObjectNode before = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage");
        cluster.client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("kproxy-agent")
                .endMetadata().withData(Map.of("mine", "yes")).build()).create();
        try {
            assertThatThrownBy(() -> installer.install(InterceptSpec.of(NS, "sage")))
                    .hasMessage("configmap wjyl-dev/kproxy-agent exists and was not made by kproxy"
                            + " (no label app.kubernetes.io/managed-by=kproxy): rename or delete it");
            assertThat(cluster.stored(ResourceCatalog.CONFIG_MAP, "kproxy-agent").at("/data/mine").asString()).isEqualTo("yes");
            assertThat(cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").get("spec")).isEqualTo(before.get("spec"));
        } finally {
            cluster.client.configMaps().inNamespace(NS).withName("kproxy-agent").delete();
        }
    }

    @Test
    void rbacThatDeniesPatchSaysWhichVerbToAskFor() throws Exception {
        ObjectNode before = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage");
        assertInstallAs("viewer", VIEWER_TOKEN, "sage").hasMessage("you may not patch deployments in namespace wjyl-dev:"
                + " ask for the patch verb on deployments.apps (see README, Permissions)");
        assertThat(cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").get("spec")).isEqualTo(before.get("spec"));
        assertThat(cluster.sandbox.store().get(ResourceCatalog.CONFIG_MAP, NS, "kproxy-agent")).as("no ConfigMap left").isEmpty();
    }

    @Test
    void rbacThatDeniesPatchingTheServiceUndoesTheWorkload() throws Exception {
        ObjectNode before = cluster.stored(ResourceCatalog.DEPLOYMENT, "quota");
        assertInstallAs("deployer", DEPLOYER_TOKEN, "quota").hasMessage("you may not patch services in namespace wjyl-dev:"
                + " ask for the patch verb on services (see README, Permissions)");
        ObjectNode after = cluster.stored(ResourceCatalog.DEPLOYMENT, "quota");
        assertThat(after.get("spec")).isEqualTo(before.get("spec"));
        assertThat(after.at("/metadata/labels").has(InstallRecord.LABEL)).isFalse();
        assertThat(cluster.stored(ResourceCatalog.SERVICE, "quota").at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);
        assertThat(cluster.sandbox.store().get(ResourceCatalog.CONFIG_MAP, NS, "kproxy-agent")).isEmpty();
        cluster.awaitSettled();
    }

    @Test
    void aHeaderRuleMustBeNameEqualsValue() {
        assertThatThrownBy(() -> InterceptSpec.of(NS, "sage").withHeader("x-dev"))
                .isInstanceOf(InterceptException.class)
                .hasMessage("header rule 'x-dev' is not name=value: give it as name=value");
    }

    /** An install by a sandbox user with restricted rights, through a kubeconfig of its own. */
    private static AbstractThrowableAssert<?, ? extends Throwable> assertInstallAs(String user, String token, String service)
            throws IOException {
        Path kubeconfig = cluster.kubeconfigFor(token, dir.resolve(user + ".kubeconfig"));
        try (KubernetesClient client = SageCluster.client(kubeconfig)) {
            Throwable thrown = catchThrowable(() -> new InterceptInstaller(client).install(InterceptSpec.of(NS, service)));
            return assertThat(thrown).isInstanceOf(InterceptException.class);
        }
    }

    @Test
    void agentImageMissingFromTheCatalogueFailsWithThePodsReasonAndIsUndone() {
        ObjectNode before = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage");
        InterceptSpec spec = InterceptSpec.of(NS, "sage").withAgentImage("registry.example/no-such-jre:17")
                .withRolloutTimeout(Duration.ofSeconds(15));

        assertThatThrownBy(() -> installer.install(spec))
                .isInstanceOf(InterceptException.class)
                .hasMessageStartingWith("rollout of deployment wjyl-dev/sage not ready after 15s (ready 0/2): pod sage-")
                .hasMessageContaining("container kproxy-agent: ImagePullBackOff: image \"registry.example/no-such-jre:17\""
                        + " is not in the sandbox image catalogue")
                .hasMessageContaining("add an entry for it")
                .hasMessageEndingWith("(kproxy has restored deployment/sage)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

        ObjectNode after = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage");
        assertThat(after.get("spec")).isEqualTo(before.get("spec"));
        assertThat(after.at("/metadata/labels").has(InstallRecord.LABEL)).isFalse();
        assertThat(after.at("/metadata/annotations").has(InstallRecord.ANNOTATION)).isFalse();
        assertThat(cluster.sandbox.store().get(ResourceCatalog.CONFIG_MAP, NS, "kproxy-agent")).isEmpty();
        cluster.awaitSettled();
    }
}

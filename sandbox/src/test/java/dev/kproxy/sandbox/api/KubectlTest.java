package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.ObjectNode;

/** The real kubectl (1.32) against the sandbox through a kubeconfig {@link KubeconfigWriter} wrote. */
class KubectlTest {
    static final Path KUBECTL = Path.of("/usr/bin/kubectl");
    static SandboxApiFixture sandbox;

    record Result(int exit, String out, String err) {
    }

    @BeforeAll
    static void start() {
        if (!Files.isExecutable(KUBECTL)) {
            System.out.println("KubectlTest skipped: " + KUBECTL + " is not installed");
        }
        assumeTrue(Files.isExecutable(KUBECTL), KUBECTL + " is not installed");
        sandbox = new SandboxApiFixture();
        sandbox.store.create(ResourceCatalog.DEPLOYMENT, (ObjectNode) SandboxApiFixture.JSON.readTree("""
                {"metadata":{"name":"sage","namespace":"wjyl-dev","labels":{"app":"sage"}},
                 "spec":{"replicas":2,"selector":{"matchLabels":{"app":"sage"}},
                   "template":{"metadata":{"labels":{"app":"sage"}},
                     "spec":{"containers":[{"name":"sage","image":"sage:1"}]}}},
                 "status":{"replicas":2,"readyReplicas":1,"updatedReplicas":2,"availableReplicas":1}}"""));
        for (String name : List.of("sage-1", "doomed")) {
            sandbox.store.create(ResourceCatalog.POD, (ObjectNode) SandboxApiFixture.JSON.readTree("""
                    {"metadata":{"name":"%s","namespace":"wjyl-dev","labels":{"app":"sage"}},
                     "spec":{"containers":[{"name":"sage","image":"sage:1"}]},
                     "status":{"phase":"Running","podIP":"10.1.0.2",
                       "containerStatuses":[{"name":"sage","ready":true,"restartCount":0,"state":{"running":{}}}]}}"""
                    .formatted(name)));
        }
        sandbox.store.create(ResourceCatalog.SERVICE, (ObjectNode) SandboxApiFixture.JSON.readTree("""
                {"metadata":{"name":"sage","namespace":"wjyl-dev"},
                 "spec":{"type":"ClusterIP","clusterIP":"10.96.0.20","selector":{"app":"sage"},
                   "ports":[{"port":8080,"protocol":"TCP"}]}}"""));
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    static Result kubectl(String token, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(KUBECTL.toString(), "--kubeconfig", sandbox.kubeconfig(token).toString(),
                "--cache-dir", sandbox.dir.resolve("cache").toString(), "--request-timeout", "20s"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish");
            }
            return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                    new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void getPodsPrintsTheServerSideTable() throws Exception {
        Result r = kubectl(SandboxApiFixture.ADMIN_TOKEN, "get", "pods", "-n", "wjyl-dev");
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE");
        assertThat(lines).anyMatch(l -> l.matches("sage-1\\s+1/1\\s+Running\\s+0\\s+\\d+s"));

        Result wide = kubectl(SandboxApiFixture.ADMIN_TOKEN, "get", "po", "-o", "wide");
        assertThat(wide.out().lines().findFirst().orElseThrow()).contains("IP").contains("NODE");
        assertThat(wide.out()).contains("10.1.0.2");
    }

    @Test
    void getServicesAndDeployments() throws Exception {
        Result svc = kubectl(SandboxApiFixture.ADMIN_TOKEN, "get", "svc");
        assertThat(svc.exit()).as(svc.err()).isZero();
        assertThat(svc.out()).containsPattern("sage\\s+ClusterIP\\s+10\\.96\\.0\\.20\\s+<none>\\s+8080/TCP");

        Result deploy = kubectl(SandboxApiFixture.ADMIN_TOKEN, "get", "deploy");
        assertThat(deploy.out()).containsPattern("sage\\s+1/2\\s+2\\s+1\\s+");
    }

    @Test
    void getDeploymentAsYaml() throws Exception {
        Result r = kubectl(SandboxApiFixture.ADMIN_TOKEN, "get", "deploy", "sage", "-o", "yaml");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("kind: Deployment").contains("apiVersion: apps/v1").contains("  name: sage")
                .contains("image: sage:1").contains("uid: ");
    }

    @Test
    void deletePodWaitsForItToGo() throws Exception {
        Result r = kubectl(SandboxApiFixture.ADMIN_TOKEN, "delete", "pod", "doomed", "-v=6");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("pod \"doomed\" deleted");
        assertThat(r.err()).containsPattern("DELETE https://127\\.0\\.0\\.1:\\d+/api/v1/namespaces/wjyl-dev/pods/doomed\\S* 200 OK");
        assertThat(sandbox.store.get(ResourceCatalog.POD, "wjyl-dev", "doomed")).isEmpty();
        Result missing = kubectl(SandboxApiFixture.ADMIN_TOKEN, "get", "pod", "doomed");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("pods \"doomed\" not found");
    }

    @Test
    void rbacDenialReachesTheUser() throws Exception {
        Result r = kubectl(SandboxApiFixture.ALICE_TOKEN, "label", "deploy", "sage", "team=x");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("deployments.apps \"sage\" is forbidden: User \"alice\" cannot patch resource "
                + "\"deployments\" in API group \"apps\" in the namespace \"wjyl-dev\"");
    }

    @Test
    void createAndApplyFromAManifest() throws Exception {
        Path manifest = sandbox.dir.resolve("manifest.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: from-file
                  labels: {app: demo}
                data:
                  greeting: hello
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: applied
                spec:
                  selector: {matchLabels: {app: applied}}
                  template:
                    metadata: {labels: {app: applied}}
                    spec: {containers: [{name: c, image: "applied:1"}]}
                """);
        Result created = kubectl(SandboxApiFixture.ADMIN_TOKEN, "create", "-f", manifest.toString());
        assertThat(created.exit()).as(created.err()).isZero();
        assertThat(created.out()).contains("configmap/from-file created").contains("deployment.apps/applied created");
        assertThat(sandbox.store.get(ResourceCatalog.CONFIG_MAP, "wjyl-dev", "from-file").orElseThrow()
                .path("data").path("greeting").asString()).isEqualTo("hello");

        Files.writeString(manifest, Files.readString(manifest).replace("from-file", "applied-cm"));
        Result applied = kubectl(SandboxApiFixture.ADMIN_TOKEN, "apply", "-f", manifest.toString(), "--dry-run=client");
        assertThat(applied.exit()).as(applied.err()).isZero();
        Result appliedForReal = kubectl(SandboxApiFixture.ADMIN_TOKEN, "apply", "-f", manifest.toString(),
                "--selector", "app=demo");
        assertThat(appliedForReal.exit()).as(appliedForReal.err()).isZero();
        assertThat(sandbox.store.get(ResourceCatalog.CONFIG_MAP, "wjyl-dev", "applied-cm").orElseThrow()
                .path("metadata").path("annotations").has("kubectl.kubernetes.io/last-applied-configuration")).isTrue();
    }
}

package dev.kproxy.intercept;

import static dev.kproxy.intercept.SageCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Install and uninstall on the sage story, judged by what the sandbox stores and what its pods answer. */
class InterceptInstallerTest extends OnSageCluster {
    private static final Pattern SAGE_POD = Pattern.compile("\"pod\":\"(sage-[^\"]+)\"");
    private static final Pattern QUOTA = Pattern.compile("\"quota\":\\{\"service\":\"quota\",\"pod\":\"quota-[a-z0-9]+-[a-z0-9]+\"");

    @AfterEach
    void leavesNoTrace() {
        installer.uninstallAll(null);
        assertThat(cluster.sandbox.store().get(ResourceCatalog.CONFIG_MAP, NS, "kproxy-agent")).isEmpty();
        cluster.awaitSettled();
    }

    @Test
    void namedTargetPortGivesItsNameToTheAgentAndUninstallRestoresExactly() throws Exception {
        ObjectNode deploymentBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage");
        ObjectNode serviceBefore = cluster.stored(ResourceCatalog.SERVICE, "sage");
        List<String> progress = new CopyOnWriteArrayList<>();

        InstalledIntercept intercept = installer.install(InterceptSpec.of(NS, "sage"),
                (w, ready, wanted) -> progress.add(w + " ready " + ready + "/" + wanted));

        assertThat(intercept).isEqualTo(new InstalledIntercept(NS, "deployment/sage", "sage", "http", 50100, 9714, 9713,
                Map.of("app", "sage")));
        assertThat(progress).isNotEmpty().last().isEqualTo("deployment/sage ready 2/2");
        JsonNode template = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").at("/spec/template/spec");
        assertThat(template.at("/containers/0/ports/0/name").asString()).isEqualTo("kproxy-app-http");
        assertThat(template.at("/containers/0/readinessProbe/httpGet/port").asString()).isEqualTo("kproxy-app-http");
        assertThat(template.at("/containers/1/ports/0/name").asString()).isEqualTo("http");
        assertThat(template.at("/containers/1/command").toString()).isEqualTo("[\"java\",\"-jar\",\"/kproxy/kproxy-intercept-agent.jar\"]");
        assertThat(cluster.stored(ResourceCatalog.SERVICE, "sage").get("spec")).isEqualTo(serviceBefore.get("spec"));
        assertThat(cluster.stored(ResourceCatalog.CONFIG_MAP, "kproxy-agent").at("/metadata/labels/app.kubernetes.io~1managed-by")
                .asString()).isEqualTo("kproxy");

        List<ObjectNode> pods = twoPodsWithAgentReady("sage");
        // The Service's named port now resolves to the agent in every pod...
        awaitSlicePort("sage", 9714, pods);
        // ...and the agent (the only listener on 9714) relays to the app: its log says so, and sage still answers.
        for (ObjectNode pod : pods) {
            String log = cluster.client.pods().inNamespace(NS).withName(pod.at("/metadata/name").asString())
                    .inContainer("kproxy-agent").getLog();
            assertThat(log).contains("listening on " + pod.at("/status/podIP").asString() + ":9714 for app port 50100");
        }
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            String body = SageCluster.callSage();
            assertThat(body).contains("\"data\":\"from k8s\"").containsPattern(QUOTA);
            Matcher m = SAGE_POD.matcher(body);
            assertThat(m.find()).as(body).isTrue();
            answered.add(m.group(1));
        }
        assertThat(answered).as("both new replicas answer through their agent")
                .isEqualTo(Set.copyOf(pods.stream().map(p -> p.at("/metadata/name").asString()).toList()));

        assertThat(installer.uninstall(NS, "sage")).containsExactly("deployment wjyl-dev/sage", "configmap wjyl-dev/kproxy-agent");

        assertRestored(ResourceCatalog.DEPLOYMENT, deploymentBefore);
        assertRestored(ResourceCatalog.SERVICE, serviceBefore);
        assertThat(cluster.sandbox.store().get(ResourceCatalog.CONFIG_MAP, NS, "kproxy-agent")).isEmpty();
        assertThat(installer.uninstall(NS, "sage")).as("a second uninstall has nothing to do").isEmpty();
        cluster.awaitSettled();
        awaitSlicePort("sage", 50100, cluster.pods("sage"));
        assertThat(SageCluster.callSage()).contains("\"data\":\"from k8s\"");
    }

    @Test
    void numericTargetPortPointsTheServiceAtTheAgentAndSageStillReachesQuota() throws Exception {
        ObjectNode deploymentBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "quota");
        ObjectNode serviceBefore = cluster.stored(ResourceCatalog.SERVICE, "quota");

        InstalledIntercept intercept = installer.install(InterceptSpec.of(NS, "quota").withServicePort("8080"));

        assertThat(intercept.appPort()).isEqualTo(8080);
        assertThat(intercept.agentPort()).isEqualTo(9714);
        ObjectNode service = cluster.stored(ResourceCatalog.SERVICE, "quota");
        assertThat(service.at("/spec/ports/0/targetPort").asInt()).isEqualTo(9714);
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(8080);
        assertThat(service.at("/metadata/labels/kproxy.dev~1intercepted").asString()).isEqualTo("true");
        List<ObjectNode> pods = cluster.pods("quota");
        assertThat(pods).hasSize(1);
        assertThat(pods.get(0).at("/spec/containers/1/name").asString()).isEqualTo("kproxy-agent");
        awaitSlicePort("quota", 9714, pods);
        // sage → quota.wjyl-dev:8080 → the agent on 9714 → quota on 8080.
        assertThat(SageCluster.callSage()).containsPattern(QUOTA);

        assertThat(installer.uninstall(NS, "quota"))
                .containsExactly("service wjyl-dev/quota", "deployment wjyl-dev/quota", "configmap wjyl-dev/kproxy-agent");
        assertRestored(ResourceCatalog.SERVICE, serviceBefore);
        assertRestored(ResourceCatalog.DEPLOYMENT, deploymentBefore);
        cluster.awaitSettled();
        assertThat(SageCluster.callSage()).containsPattern(QUOTA);
    }

    @Test
    void uninstallAllRestoresEverythingFromTheAnnotationsAlone() throws Exception {
        ObjectNode sageBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage");
        ObjectNode quotaBefore = cluster.stored(ResourceCatalog.DEPLOYMENT, "quota");
        ObjectNode quotaServiceBefore = cluster.stored(ResourceCatalog.SERVICE, "quota");
        // A jar left by an older kproxy is replaced by this one's.
        cluster.client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("kproxy-agent")
                .withLabels(Map.of("app.kubernetes.io/managed-by", "kproxy")).endMetadata()
                .withBinaryData(Map.of("kproxy-intercept-agent.jar", Base64.getEncoder().encodeToString(new byte[] {'o', 'l', 'd'}))).build()).create();
        installer.install(InterceptSpec.of(NS, "sage").withHeader("x-kproxy=me").withHeader("x-tenant=blue"));
        installer.install(InterceptSpec.of(NS, "quota"));
        assertThat(Base64.getDecoder().decode(cluster.stored(ResourceCatalog.CONFIG_MAP, "kproxy-agent").at("/binaryData/kproxy-intercept-agent.jar")
                .asString())).isEqualTo(AgentJar.build());

        // Installing again with the same settings changes nothing: same template, same jar.
        long generation = cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").at("/metadata/generation").asLong();
        String jarVersion = cluster.stored(ResourceCatalog.CONFIG_MAP, "kproxy-agent").at("/metadata/resourceVersion").asString();
        installer.install(InterceptSpec.of(NS, "sage").withHeader("x-kproxy=me").withHeader("x-tenant=blue"));
        assertThat(cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").at("/metadata/generation").asLong()).isEqualTo(generation);
        assertThat(cluster.stored(ResourceCatalog.CONFIG_MAP, "kproxy-agent").at("/metadata/resourceVersion").asString())
                .isEqualTo(jarVersion);
        assertThat(cluster.stored(ResourceCatalog.DEPLOYMENT, "sage").at("/spec/template/spec/containers/1/env/2/value")
                .asString()).isEqualTo("x-kproxy=me\nx-tenant=blue");

        // As after `kill -9` of the laptop process: a new client and installer that know nothing.
        try (KubernetesClient fresh = SageCluster.client(cluster.sandbox.kubeconfig())) {
            List<String> done = new InterceptInstaller(fresh, Duration.ofSeconds(180)).uninstallAll(null);
            assertThat(done).containsExactlyInAnyOrder("service wjyl-dev/quota", "deployment wjyl-dev/sage",
                    "deployment wjyl-dev/quota", "configmap wjyl-dev/kproxy-agent");
        }
        assertRestored(ResourceCatalog.DEPLOYMENT, sageBefore);
        assertRestored(ResourceCatalog.DEPLOYMENT, quotaBefore);
        assertRestored(ResourceCatalog.SERVICE, quotaServiceBefore);
        assertThat(cluster.sandbox.store().get(ResourceCatalog.CONFIG_MAP, NS, "kproxy-agent")).isEmpty();
        assertThat(installer.uninstallAll(NS)).isEmpty();
    }

    @Test
    void statefulSetRollsOutWithTheAgentAndBack() {
        Map<String, String> labels = Map.of("app", "ledger");
        cluster.client.apps().statefulSets().inNamespace(NS).resource(new StatefulSetBuilder()
                .withNewMetadata().withName("ledger").endMetadata()
                .withNewSpec().withReplicas(1).withServiceName("ledger").withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("ledger").withImage("ghcr.io/kproxy-dev/sage:0.1.0")
                .addNewPort().withName("http").withContainerPort(50100).endPort()
                .addNewEnv().withName("SAGE_DATA").withValue("from ledger").endEnv().endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
        cluster.client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("ledger").endMetadata()
                .withNewSpec().withSelector(labels).addNewPort().withPort(50100).withTargetPort(new IntOrString(50100)).endPort()
                .endSpec().build()).create();
        try {
            cluster.awaitSettled();
            ObjectNode setBefore = cluster.stored(ResourceCatalog.STATEFUL_SET, "ledger");
            ObjectNode serviceBefore = cluster.stored(ResourceCatalog.SERVICE, "ledger");
            List<String> progress = new CopyOnWriteArrayList<>();

            InstalledIntercept intercept = installer.install(InterceptSpec.of(NS, "ledger"),
                    (w, ready, wanted) -> progress.add(w + " ready " + ready + "/" + wanted));

            assertThat(intercept.workload()).isEqualTo("statefulset/ledger");
            assertThat(intercept.servicePort()).isEqualTo("50100");
            assertThat(progress).last().isEqualTo("statefulset/ledger ready 1/1");
            assertThat(cluster.stored(ResourceCatalog.SERVICE, "ledger").at("/spec/ports/0/targetPort").asInt()).isEqualTo(9714);
            ObjectNode pod = cluster.stored(ResourceCatalog.POD, "ledger-0");
            assertThat(pod.at("/spec/containers/1/name").asString()).isEqualTo("kproxy-agent");
            assertThat(pod.at("/status/containerStatuses/1/ready").asBoolean()).isTrue();

            assertThat(installer.uninstall(NS, "ledger")).containsExactly("service wjyl-dev/ledger",
                    "statefulset wjyl-dev/ledger", "configmap wjyl-dev/kproxy-agent");
            assertRestored(ResourceCatalog.STATEFUL_SET, setBefore);
            assertRestored(ResourceCatalog.SERVICE, serviceBefore);
            assertThat(cluster.stored(ResourceCatalog.POD, "ledger-0").at("/spec/containers").size()).isEqualTo(1);
        } finally {
            cluster.client.services().inNamespace(NS).withName("ledger").delete();
            cluster.client.apps().statefulSets().inNamespace(NS).withName("ledger").delete();
        }
    }

    private List<ObjectNode> twoPodsWithAgentReady(String app) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<ObjectNode> pods = cluster.pods(app);
            return pods.size() == 2 && pods.stream().allMatch(InterceptInstallerTest::agentPodReady);
        });
        return cluster.pods(app);
    }

    private static boolean agentPodReady(JsonNode pod) {
        JsonNode statuses = pod.at("/status/containerStatuses");
        boolean allReady = statuses.size() == 2;
        for (JsonNode s : statuses) {
            allReady &= s.path("ready").asBoolean(false);
        }
        return pod.at("/spec/containers").size() == 2 && pod.at("/spec/containers/1/name").asString().equals("kproxy-agent")
                && allReady && !pod.path("metadata").has("deletionTimestamp");
    }

    /** The Service's EndpointSlice lists exactly these pods, on {@code port}. */
    private void awaitSlicePort(String service, int port, List<ObjectNode> pods) {
        Set<String> ips = new HashSet<>(pods.stream().map(p -> p.at("/status/podIP").asString()).toList());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<ObjectNode> slices = cluster.sandbox.store().list(ResourceCatalog.ENDPOINT_SLICE, NS).stream()
                    .filter(s -> service.equals(s.at("/metadata/labels/kubernetes.io~1service-name").asString(""))).toList();
            assertThat(slices).hasSize(1);
            assertThat(slices.get(0).at("/ports/0/port").asInt()).isEqualTo(port);
            Set<String> listed = new HashSet<>();
            slices.get(0).path("endpoints").forEach(e -> e.path("addresses").forEach(a -> listed.add(a.asString())));
            assertThat(listed).isEqualTo(ips);
        });
    }

    /**
     * Spec, labels and annotations as before the install, except what the API server and controllers
     * own (resourceVersion, generation, managedFields, status, the Deployment revision annotation).
     */
    private void assertRestored(ResourceType type, ObjectNode before) {
        ObjectNode after = cluster.stored(type, before.at("/metadata/name").asString());
        assertThat(after.get("spec")).isEqualTo(before.get("spec"));
        assertThat(after.at("/metadata/labels")).isEqualTo(before.at("/metadata/labels"));
        assertThat(withoutRevision(after.at("/metadata/annotations"))).isEqualTo(withoutRevision(before.at("/metadata/annotations")));
    }

    private static JsonNode withoutRevision(JsonNode annotations) {
        if (!annotations.isObject()) {
            return annotations;
        }
        ObjectNode copy = ((ObjectNode) annotations).deepCopy();
        copy.remove("deployment.kubernetes.io/revision");
        return copy.isEmpty() ? tools.jackson.databind.node.MissingNode.getInstance() : copy;
    }
}

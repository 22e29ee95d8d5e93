package dev.kproxy.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;

class KubeletPodLifecycleTest {
    private static final String CATALOG = """
            images:
              "python-web:1.0":
                entrypoint: [python3, -m, http.server, --bind, "${POD_IP}"]
                cmd: ["8000"]
              "sleeper":
                entrypoint: [sleep]
                cmd: ["300"]
              "shell:*":
                entrypoint: [/bin/sh, -c]
              "broken":
                entrypoint: [/no/such/program]
            """;

    @TempDir
    Path tmp;
    private SandboxNode node;

    @BeforeEach
    void start() throws IOException {
        node = new SandboxNode(tmp, CATALOG);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void podRunsOnItsOwnLoopbackIpAndBecomesReadyWhenItsPortAnswers() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: web, namespace: demo}
                spec:
                  containers:
                  - name: web
                    image: python-web:1.0
                    ports: [{containerPort: 8000}]
                """);
        await().atMost(Duration.ofSeconds(15)).until(() -> "True".equals(node.condition("demo", "web", "Ready")));

        JsonNode pod = node.pod("demo", "web");
        JsonNode status = pod.path("status");
        String ip = status.path("podIP").asString("");
        assertThat(ip).startsWith("127.244.");
        assertThat(status.path("phase").asString("")).isEqualTo("Running");
        assertThat(status.path("podIPs").get(0).path("ip").asString("")).isEqualTo(ip);
        assertThat(status.path("hostIP").asString("")).isEqualTo("127.0.0.1");
        assertThat(status.path("qosClass").asString("")).isEqualTo("BestEffort");
        assertThat(status.path("startTime").asString("")).isNotEmpty();
        assertThat(pod.path("spec").path("nodeName").asString("")).isEqualTo(Kubelet.NODE_NAME);
        List<String> conditions = new ArrayList<>();
        status.path("conditions").forEach(c -> conditions.add(c.path("type").asString("") + "=" + c.path("status").asString("")
                + (c.path("lastTransitionTime").asString("").isEmpty() ? " (no time)" : "")));
        assertThat(conditions).contains("PodScheduled=True", "Initialized=True", "ContainersReady=True", "Ready=True");

        JsonNode cs = node.containerStatus("demo", "web", "web");
        assertThat(cs.path("ready").asBoolean()).isTrue();
        assertThat(cs.path("started").asBoolean()).isTrue();
        assertThat(cs.path("restartCount").asInt()).isZero();
        assertThat(cs.path("image").asString("")).isEqualTo("python-web:1.0");
        assertThat(cs.path("imageID").asString("")).startsWith("sha256:");
        assertThat(cs.path("state").path("running").path("startedAt").asString("")).isNotEmpty();

        // The container really serves on the pod IP, and nowhere else's port space is touched.
        HttpURLConnection c = (HttpURLConnection) URI.create("http://" + ip + ":8000/").toURL().openConnection(Proxy.NO_PROXY);
        assertThat(c.getResponseCode()).isEqualTo(200);
        c.disconnect();

        // Its output goes to the container log that kubectl logs reads.
        await().atMost(Duration.ofSeconds(5)).until(() -> node.kubelet.read("demo", "web", null).orElse("").contains("GET / HTTP/1.1"));
        assertThat(node.kubelet.read("demo", "web", "nope")).isEmpty();
        assertThat(node.kubelet.read("demo", "nope", null)).isEmpty();
    }

    @Test
    void secondPodGetsAnotherIp() {
        node.create("""
                kind: Pod
                metadata: {name: a, namespace: demo}
                spec: {containers: [{name: c, image: sleeper}]}
                """);
        node.create("""
                kind: Pod
                metadata: {name: b, namespace: demo}
                spec: {containers: [{name: c, image: sleeper}]}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "a", "Ready"))
                && "True".equals(node.condition("demo", "b", "Ready")));
        String a = node.pod("demo", "a").path("status").path("podIP").asString("");
        String b = node.pod("demo", "b").path("status").path("podIP").asString("");
        assertThat(a).startsWith("127.244.");
        assertThat(b).startsWith("127.244.").isNotEqualTo(a);
    }

    @Test
    void missingImageIsImagePullBackOffWithAMessageSayingWhatToDo() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: ghost, namespace: demo}
                spec: {containers: [{name: app, image: "registry.example/ghost:2.1"}]}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "ImagePullBackOff".equals(
                node.waitingReason("demo", "ghost", "app")));
        JsonNode waiting = node.containerStatus("demo", "ghost", "app").path("state").path("waiting");
        assertThat(waiting.path("message").asString("")).isEqualTo("image \"registry.example/ghost:2.1\" is not in the sandbox image catalogue "
                + node.catalogFile.toAbsolutePath() + ": add an entry for it");
        assertThat(node.phase("demo", "ghost")).isEqualTo("Pending");

        // Adding the entry is enough: the kubelet retries and the catalogue is re-read.
        Files.writeString(node.catalogFile, CATALOG + "  \"registry.example/ghost\":\n    entrypoint: [sleep, \"300\"]\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> "Running".equals(node.phase("demo", "ghost")));
    }

    @Test
    void programThatCannotStartIsRunContainerErrorWithTheOsMessage() {
        node.create("""
                kind: Pod
                metadata: {name: broken, namespace: demo}
                spec: {containers: [{name: app, image: broken}]}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "RunContainerError".equals(
                node.waitingReason("demo", "broken", "app")));
        assertThat(node.containerStatus("demo", "broken", "app").path("state").path("waiting").path("message").asString(""))
                .contains("/no/such/program").contains("No such file or directory");
        assertThat(node.phase("demo", "broken")).isEqualTo("Pending");
    }

    @Test
    void killedContainerIsRestartedWithBackoffAndCounted() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: victim, namespace: demo}
                spec: {containers: [{name: app, image: sleeper}]}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "victim", "Ready")));
        long first = node.pid("demo", "victim", "app");

        Process kill = new ProcessBuilder("kill", "-9", Long.toString(first)).inheritIO().start();
        assertThat(kill.waitFor()).isZero();

        await().atMost(Duration.ofSeconds(10)).until(() -> node.containerStatus("demo", "victim", "app").path("restartCount").asInt() == 1
                && node.containerStatus("demo", "victim", "app").path("state").has("running"));
        JsonNode cs = node.containerStatus("demo", "victim", "app");
        JsonNode last = cs.path("lastState").path("terminated");
        assertThat(last.path("exitCode").asInt()).isEqualTo(137);
        assertThat(last.path("reason").asString("")).isEqualTo("Error");
        assertThat(node.pid("demo", "victim", "app")).isNotEqualTo(first);
        assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void crashingContainerWaitsInCrashLoopBackOff() {
        node.create("""
                kind: Pod
                metadata: {name: crash, namespace: demo}
                spec: {containers: [{name: app, image: "shell:1", args: ["echo boom; exit 3"]}]}
                """);
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            JsonNode cs = node.containerStatus("demo", "crash", "app");
            return "CrashLoopBackOff".equals(cs.path("state").path("waiting").path("reason").asString(""))
                    && cs.path("restartCount").asInt() >= 1;
        });
        JsonNode cs = node.containerStatus("demo", "crash", "app");
        assertThat(cs.path("lastState").path("terminated").path("exitCode").asInt()).isEqualTo(3);
        assertThat(cs.path("state").path("waiting").path("message").asString("")).contains("restarting failed container=app pod=crash_demo(");
        assertThat(node.phase("demo", "crash")).isEqualTo("Running");
        assertThat(node.kubelet.read("demo", "crash", "app").orElse("")).contains("boom\nboom\n");
    }

    @Test
    void neverRestartedPodEndsSucceededOrFailed() {
        node.create("""
                kind: Pod
                metadata: {name: job, namespace: demo}
                spec:
                  restartPolicy: Never
                  containers: [{name: app, image: "shell:1", args: ["echo done"]}]
                """);
        node.create("""
                kind: Pod
                metadata: {name: failing, namespace: demo}
                spec:
                  restartPolicy: Never
                  containers: [{name: app, image: "shell:1", args: ["exit 4"]}]
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "Succeeded".equals(node.phase("demo", "job"))
                && "Failed".equals(node.phase("demo", "failing")));
        JsonNode done = node.containerStatus("demo", "job", "app").path("state").path("terminated");
        assertThat(done.path("exitCode").asInt()).isZero();
        assertThat(done.path("reason").asString("")).isEqualTo("Completed");
        assertThat(node.containerStatus("demo", "failing", "app").path("state").path("terminated").path("exitCode").asInt()).isEqualTo(4);
        assertThat(node.containerStatus("demo", "failing", "app").path("restartCount").asInt()).isZero();
        assertThat(node.kubelet.read("demo", "job", null)).contains("done\n");
    }

    @Test
    void initContainersRunInOrderBeforeTheAppContainers() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: staged, namespace: demo}
                spec:
                  initContainers:
                  - {name: wait-for-go, image: "shell:1", args: ["while [ ! -f go ]; do sleep 0.1; done; echo one > order"]}
                  - {name: second, image: "shell:1", args: ["echo two >> order"]}
                  containers:
                  - {name: app, image: "shell:1", args: ["cat order; exec sleep 300"]}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.kubelet.podDirectory("demo", "staged").isPresent()
                && node.pod("demo", "staged").path("status").path("initContainerStatuses").path(0).path("state").has("running"));
        JsonNode status = node.pod("demo", "staged").path("status");
        assertThat(node.phase("demo", "staged")).isEqualTo("Pending");
        assertThat(node.condition("demo", "staged", "Initialized")).isEqualTo("False");
        assertThat(status.path("initContainerStatuses").path(1).path("state").path("waiting").path("reason").asString(""))
                .isEqualTo("PodInitializing");
        assertThat(node.waitingReason("demo", "staged", "app")).isEqualTo("PodInitializing");

        Files.writeString(node.podDir("demo", "staged").resolve("go"), "");
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "staged", "Ready")));
        assertThat(node.condition("demo", "staged", "Initialized")).isEqualTo("True");
        for (JsonNode init : node.pod("demo", "staged").path("status").path("initContainerStatuses")) {
            assertThat(init.path("state").path("terminated").path("reason").asString("")).isEqualTo("Completed");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> node.kubelet.read("demo", "staged", "app").orElse("").equals("one\ntwo\n"));
    }

    @Test
    void failedInitContainerFailsAPodThatIsNeverRestarted() {
        node.create("""
                kind: Pod
                metadata: {name: doomed, namespace: demo}
                spec:
                  restartPolicy: Never
                  initContainers: [{name: migrate, image: "shell:1", args: ["echo no database; exit 2"]}]
                  containers: [{name: app, image: sleeper}]
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "Failed".equals(node.phase("demo", "doomed")));
        assertThat(node.pod("demo", "doomed").path("status").path("initContainerStatuses").path(0).path("state").path("terminated")
                .path("exitCode").asInt()).isEqualTo(2);
        assertThat(node.waitingReason("demo", "doomed", "app")).isEqualTo("PodInitializing");
        assertThat(node.kubelet.read("demo", "doomed", "migrate")).contains("no database\n");
    }

    @Test
    void deletingThePodStopsItsWholeProcessTree() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: tree, namespace: demo}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers: [{name: app, image: "shell:1", args: ["trap '' TERM; sleep 300 & sleep 301 & wait"]}]
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> node.containerStatus("demo", "tree", "app").path("state").has("running")
                && ProcessHandle.of(node.pid("demo", "tree", "app")).map(p -> p.children().count() == 2).orElse(false));
        ProcessHandle shell = ProcessHandle.of(node.pid("demo", "tree", "app")).orElseThrow();
        List<ProcessHandle> tree = new ArrayList<>(shell.descendants().toList());
        tree.add(shell);
        Path dir = node.podDir("demo", "tree");

        node.store.delete(ResourceCatalog.POD, "demo", "tree");

        await().atMost(Duration.ofSeconds(10)).until(() -> tree.stream().noneMatch(ProcessHandle::isAlive));
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(dir));
        assertThat(node.kubelet.read("demo", "tree", null)).isEmpty();
    }

    @Test
    void closeLeavesNoChildProcessBehind() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: stubborn, namespace: demo}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - {name: a, image: "shell:1", args: ["trap '' TERM; sleep 300 & wait"]}
                  - {name: b, image: sleeper}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "stubborn", "Ready"))
                && ProcessHandle.current().descendants().count() >= 3);

        node.kubelet.close();

        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(this::describe).toList()).isEmpty();
    }

    private String describe(ProcessHandle p) {
        return p.pid() + " " + p.info().commandLine().orElse("?");
    }
}

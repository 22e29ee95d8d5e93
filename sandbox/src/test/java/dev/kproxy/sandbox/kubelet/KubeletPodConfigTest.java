package dev.kproxy.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.JsonNode;

/** Env, volumes, hosts files and probes, each observed from inside a real container process. */
class KubeletPodConfigTest {
    private static final String CATALOG = """
            images:
              "shell:*":
                entrypoint: [/bin/sh, -c]
                env:
                  FROM_IMAGE: "image-${POD_NAME}"
                  OVERRIDDEN: from-image
              "java-tool":
                entrypoint: ["${JAVA}"]
                env:
                  JAVA_TOOL_OPTIONS: "-Djdk.net.hosts.file=${POD_DIR}/etc/hosts"
            """;

    @TempDir
    Path tmp;
    private SandboxNode node;

    @BeforeEach
    void start() throws IOException {
        node = new SandboxNode(tmp, CATALOG);
        node.create("""
                kind: ConfigMap
                metadata: {name: app-config, namespace: demo}
                data:
                  LOG_LEVEL: debug
                  config.yaml: "greeting: hello from a configmap\\n"
                binaryData:
                  blob.bin: AAEC/w==
                """);
        node.create("""
                kind: Secret
                metadata: {name: db, namespace: demo}
                data:
                  password: czNjcjN0
                  user: YWRtaW4=
                """);
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void environmentFromEveryKindOfSourceReachesTheProcess() throws Exception {
        node.create("""
                kind: Service
                metadata: {name: sage-api, namespace: demo}
                spec: {clusterIP: 10.96.7.8, ports: [{name: http, port: 80}, {port: 9090, protocol: UDP}]}
                """);
        node.create("""
                kind: Service
                metadata: {name: elsewhere, namespace: other}
                spec: {clusterIP: 10.96.7.9, ports: [{port: 80}]}
                """);
        node.create("""
                kind: Pod
                metadata:
                  name: envy
                  namespace: demo
                  labels: {app: envy}
                  annotations: {team: blue}
                spec:
                  containers:
                  - name: app
                    image: shell:1
                    args: ["env > env.txt; exec sleep 300"]
                    envFrom:
                    - configMapRef: {name: app-config}
                      prefix: CM_
                    - secretRef: {name: db}
                    env:
                    - {name: OVERRIDDEN, value: from-pod}
                    - {name: GREETING, value: "hi $(user) at $(POD_IP_ENV) $$(user) $(nope)"}
                    - {name: POD_IP_ENV, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
                    - {name: LATE, value: "ip=$(POD_IP_ENV)"}
                    - {name: API, value: "http://$(SAGE_API_SERVICE_HOST):$(SAGE_API_SERVICE_PORT_HTTP)"}
                    - {name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                    - {name: MY_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
                    - {name: MY_UID, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}
                    - {name: MY_APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                    - {name: MY_TEAM, valueFrom: {fieldRef: {fieldPath: "metadata.annotations['team']"}}}
                    - {name: MY_NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
                    - {name: MY_SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
                    - {name: MY_HOST, valueFrom: {fieldRef: {fieldPath: status.hostIP}}}
                    - {name: LEVEL, valueFrom: {configMapKeyRef: {name: app-config, key: LOG_LEVEL}}}
                    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}
                    - {name: OPTIONAL_GONE, valueFrom: {secretKeyRef: {name: absent, key: k, optional: true}}}
                """);
        Map<String, String> env = parseEnv(node.awaitFile(waitForDir("envy").resolve("env.txt")));
        String ip = node.pod("demo", "envy").path("status").path("podIP").asString("");

        assertThat(env).containsEntry("CM_LOG_LEVEL", "debug")
                .containsEntry("user", "admin")
                .containsEntry("password", "s3cr3t")
                .containsEntry("OVERRIDDEN", "from-pod")
                .containsEntry("FROM_IMAGE", "image-envy")
                // $(POD_IP_ENV) is defined after GREETING, so it stays literal there (Kubernetes order rules).
                .containsEntry("GREETING", "hi admin at $(POD_IP_ENV) $(user) $(nope)")
                .containsEntry("LATE", "ip=" + ip)
                .containsEntry("MY_NAME", "envy")
                .containsEntry("MY_NS", "demo")
                .containsEntry("MY_UID", node.pod("demo", "envy").path("metadata").path("uid").asString(""))
                .containsEntry("MY_APP", "envy")
                .containsEntry("MY_TEAM", "blue")
                .containsEntry("MY_NODE", Kubelet.NODE_NAME)
                .containsEntry("MY_SA", "default")
                .containsEntry("MY_HOST", "127.0.0.1")
                .containsEntry("LEVEL", "debug")
                .containsEntry("DB_PASSWORD", "s3cr3t")
                .containsEntry("KPROXY_SANDBOX_POD_IP", ip)
                .containsEntry("HOSTNAME", "envy")
                .containsEntry("SAGE_API_SERVICE_HOST", "127.96.7.8")
                .containsEntry("SAGE_API_SERVICE_PORT", "80")
                .containsEntry("SAGE_API_PORT", "tcp://127.96.7.8:80")
                .containsEntry("SAGE_API_PORT_9090_UDP_ADDR", "127.96.7.8")
                .containsEntry("API", "http://127.96.7.8:80")
                .doesNotContainKey("ELSEWHERE_SERVICE_HOST")
                .doesNotContainKey("OPTIONAL_GONE");
    }

    @Test
    void missingConfigMapIsCreateContainerConfigErrorUntilItExists() {
        node.create("""
                kind: Pod
                metadata: {name: needy, namespace: demo}
                spec:
                  containers:
                  - name: app
                    image: shell:1
                    args: ["exec sleep 300"]
                    env:
                    - {name: X, valueFrom: {configMapKeyRef: {name: later, key: x}}}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "CreateContainerConfigError".equals(
                node.waitingReason("demo", "needy", "app")));
        assertThat(node.containerStatus("demo", "needy", "app").path("state").path("waiting").path("message").asString(""))
                .isEqualTo("configmap \"later\" not found");
        assertThat(node.phase("demo", "needy")).isEqualTo("Pending");

        node.create("""
                kind: ConfigMap
                metadata: {name: later, namespace: demo}
                data: {x: "1"}
                """);
        await().atMost(Duration.ofSeconds(15)).until(() -> "Running".equals(node.phase("demo", "needy")));
    }

    @Test
    void configMapAndSecretVolumesAreVisibleThroughTheMappedMountPath() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: mounted, namespace: demo}
                spec:
                  restartPolicy: Never
                  volumes:
                  - name: config
                    configMap:
                      name: app-config
                      defaultMode: 288   # 0440, written in decimal as the API stores it
                  - name: creds
                    secret:
                      secretName: db
                      items: [{key: password, path: db/pass}]
                  - name: scratch
                    emptyDir: {}
                  - name: info
                    downwardAPI:
                      items: [{path: name, fieldRef: {fieldPath: metadata.name}}]
                  containers:
                  - name: app
                    image: shell:1
                    args: ["cat \\"$CONFIG\\" \\"$PASS\\" \\"$INFO\\"; ls \\"$KPROXY_MOUNT_SCRATCH\\" && echo \\"$SCRATCH_FILE\\""]
                    env:
                    - {name: CONFIG, value: /etc/app/config.yaml}
                    - {name: PASS, value: /run/secrets/db/pass}
                    - {name: INFO, value: /etc/podinfo/name}
                    - {name: SCRATCH_FILE, value: /scratch/x}
                    volumeMounts:
                    - {name: config, mountPath: /etc/app}
                    - {name: creds, mountPath: /run/secrets/}
                    - {name: scratch, mountPath: /scratch}
                    - {name: info, mountPath: /etc/podinfo}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "Succeeded".equals(node.phase("demo", "mounted")));
        Path dir = node.podDir("demo", "mounted");
        String log = node.kubelet.read("demo", "mounted", "app").orElseThrow();
        assertThat(log).isEqualTo("greeting: hello from a configmap\ns3cr3tmounted" + dir.resolve("volumes/scratch/x") + "\n");

        Path config = dir.resolve("volumes/config/config.yaml");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-r-----");
        assertThat(Files.readAllBytes(dir.resolve("volumes/config/blob.bin"))).containsExactly(0, 1, 2, 0xff);
        assertThat(dir.resolve("volumes/creds/user")).doesNotExist();
    }

    @Test
    void runningContainersSeeConfigMapEditsInTheirVolume() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: watcher, namespace: demo}
                spec:
                  volumes: [{name: config, configMap: {name: app-config, items: [{key: LOG_LEVEL, path: level}]}}]
                  containers:
                  - name: app
                    image: shell:1
                    args: ["exec sleep 300"]
                    volumeMounts: [{name: config, mountPath: /config}]
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "watcher", "Ready")));
        Path level = node.podDir("demo", "watcher").resolve("volumes/config/level");
        assertThat(Files.readString(level)).isEqualTo("debug");
        long pid = node.pid("demo", "watcher", "app");

        node.store.modify(dev.kproxy.sandbox.store.ResourceCatalog.CONFIG_MAP, "demo", "app-config", cm -> {
            ((tools.jackson.databind.node.ObjectNode) cm.get("data")).put("LOG_LEVEL", "trace");
            return cm;
        });
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Files.readString(level)).isEqualTo("trace"));
        assertThat(node.pid("demo", "watcher", "app")).isEqualTo(pid);
    }

    @Test
    void hostsFileNamesServicesAndTheJvmResolvesThem() throws Exception {
        node.create("""
                kind: Service
                metadata: {name: sage, namespace: demo}
                spec: {clusterIP: 10.96.12.34, ports: [{port: 80}]}
                """);
        node.create("""
                kind: Service
                metadata: {name: db, namespace: other}
                spec: {clusterIP: 10.100.0.7, ports: [{port: 5432}]}
                """);
        node.create("""
                kind: Pod
                metadata: {name: resolver, namespace: demo}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: app
                    image: java-tool
                    args: [-cp, "%s", dev.kproxy.sandbox.kubelet.HostLookup,
                           sage, sage.demo, sage.demo.svc.cluster.local, db.other, db, resolver]
                """.formatted(Path.of(HostLookup.class.getProtectionDomain().getCodeSource().getLocation().toURI())));
        await().atMost(Duration.ofSeconds(20)).until(() -> "Succeeded".equals(node.phase("demo", "resolver")));
        String ip = node.pod("demo", "resolver").path("status").path("podIP").asString("");
        String log = node.kubelet.read("demo", "resolver", null).orElseThrow();
        assertThat(log).contains("sage -> 127.96.12.34\n", "sage.demo -> 127.96.12.34\n", "sage.demo.svc.cluster.local -> 127.96.12.34\n",
                "db.other -> 127.100.0.7\n", "db -> unknown\n", "resolver -> " + ip + "\n");
    }

    @Test
    void hostsFileFollowsServiceChangesAndHeadlessServicesListReadyPods() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: web-0, namespace: demo, labels: {app: web}}
                spec:
                  hostname: web-0
                  subdomain: web
                  containers: [{name: app, image: shell:1, args: ["exec sleep 300"]}]
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "web-0", "Ready")));
        Path hosts = node.podDir("demo", "web-0").resolve("etc/hosts");
        String ip = node.pod("demo", "web-0").path("status").path("podIP").asString("");
        assertThat(Files.readString(hosts)).contains(ip + "\tweb-0.web.demo.svc.cluster.local web-0\n").doesNotContain("api.demo");

        node.create("""
                kind: Service
                metadata: {name: api, namespace: demo}
                spec: {clusterIP: 10.96.0.20}
                """);
        node.create("""
                kind: Service
                metadata: {name: web, namespace: demo}
                spec: {clusterIP: None, selector: {app: web}}
                """);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(Files.readString(hosts))
                .contains("127.96.0.20\tapi.demo.svc.cluster.local api.demo.svc api.demo api\n")
                .contains(ip + "\tweb.demo.svc.cluster.local web.demo.svc web.demo web\n")
                .contains(ip + "\tweb-0.web.demo.svc.cluster.local\n"));
    }

    @Test
    void readinessProbeFlipsReadyBothWays() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: probed, namespace: demo}
                spec:
                  containers:
                  - name: app
                    image: shell:1
                    args: ["while true; do if [ -f serve ]; then python3 -m http.server --bind $KPROXY_SANDBOX_POD_IP 8080 & echo $! > server.pid; wait; fi; sleep 0.1; done"]
                    ports: [{name: http, containerPort: 8080}]
                    readinessProbe:
                      tcpSocket: {port: http}
                      periodSeconds: 1
                      failureThreshold: 1
                """);
        Path dir = waitForDir("probed");
        await().atMost(Duration.ofSeconds(10)).until(() -> node.containerStatus("demo", "probed", "app").path("state").has("running"));
        assertThat(node.condition("demo", "probed", "Ready")).isEqualTo("False");
        assertThat(node.phase("demo", "probed")).isEqualTo("Running");

        Files.writeString(dir.resolve("serve"), "");
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "probed", "Ready")));
        assertThat(node.containerStatus("demo", "probed", "app").path("ready").asBoolean()).isTrue();

        Files.delete(dir.resolve("serve"));
        long server = Long.parseLong(node.awaitFile(dir.resolve("server.pid")).trim());
        ProcessHandle.of(server).ifPresent(ProcessHandle::destroy);
        await().atMost(Duration.ofSeconds(10)).until(() -> "False".equals(node.condition("demo", "probed", "Ready")));
        JsonNode cs = node.containerStatus("demo", "probed", "app");
        assertThat(cs.path("ready").asBoolean()).isFalse();
        assertThat(cs.path("restartCount").asInt()).isZero();
    }

    @Test
    void failingLivenessProbeRestartsTheContainer() {
        node.create("""
                kind: Pod
                metadata: {name: hung, namespace: demo}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: app
                    image: shell:1
                    args: ["exec sleep 300"]
                    livenessProbe:
                      exec: {command: [/bin/sh, -c, "test -f healthy"]}
                      periodSeconds: 1
                      failureThreshold: 2
                """);
        await().atMost(Duration.ofSeconds(15)).until(() -> node.containerStatus("demo", "hung", "app").path("restartCount").asInt() >= 1);
        assertThat(node.containerStatus("demo", "hung", "app").path("lastState").path("terminated").path("exitCode").asInt())
                .isEqualTo(143);
    }

    @Test
    void startupProbeHoldsBackReadinessUntilItSucceeds() throws Exception {
        node.create("""
                kind: Pod
                metadata: {name: slow, namespace: demo}
                spec:
                  containers:
                  - name: app
                    image: shell:1
                    args: ["exec sleep 300"]
                    startupProbe:
                      exec: {command: [/bin/sh, -c, "test -f started"]}
                      periodSeconds: 1
                      failureThreshold: 30
                """);
        Path dir = waitForDir("slow");
        await().atMost(Duration.ofSeconds(10)).until(() -> node.containerStatus("demo", "slow", "app").path("state").has("running"));
        JsonNode before = node.containerStatus("demo", "slow", "app");
        assertThat(before.path("started").asBoolean()).isFalse();
        assertThat(before.path("ready").asBoolean()).isFalse();

        Files.writeString(dir.resolve("started"), "");
        await().atMost(Duration.ofSeconds(10)).until(() -> "True".equals(node.condition("demo", "slow", "Ready")));
        assertThat(node.containerStatus("demo", "slow", "app").path("started").asBoolean()).isTrue();
    }

    private Path waitForDir(String pod) {
        await().atMost(Duration.ofSeconds(5)).until(() -> node.kubelet.podDirectory("demo", pod).isPresent());
        return node.podDir("demo", pod);
    }

    private static Map<String, String> parseEnv(String text) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }
}

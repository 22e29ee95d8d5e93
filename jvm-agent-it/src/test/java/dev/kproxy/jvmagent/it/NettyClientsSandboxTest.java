package dev.kproxy.jvmagent.it;

import dev.kproxy.examples.sage.SageServer;
import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.agent.AgentJar;
import dev.kproxy.launcher.agent.AgentService;
import dev.kproxy.launcher.connect.ConnectOptions;
import dev.kproxy.launcher.connect.Outbound;
import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.network.PortForwardCounters;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Java agent with Netty-based client libraries and their defaults, in child JVMs that have
 * {@code -javaagent:kproxy-agent.jar} and no proxy settings: Lettuce (Netty's own DNS resolver,
 * epoll) to a real redis-server pod, Reactor Netty's HTTP client (epoll) to sage, and
 * grpc-netty-shaded (shaded Netty, epoll) to grpc-java's health service. Each call is checked in
 * the sandbox's port-forward counters, and Netty's {@code remoteAddress()} shows the cluster
 * address. JDK 17, and JDK 25 where installed.
 */
class NettyClientsSandboxTest {
    static final String NS = "wjyl-dev";
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    static final Path REDIS = Path.of("/usr/bin/redis-server");

    @TempDir
    static Path dir;
    static Sandbox sandbox;
    static KubernetesClient client;
    static Outbound outbound;
    static AgentService agents;
    static String agentOption;

    @BeforeAll
    static void start() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(REDIS), "redis-server is not installed (apt-get install redis-server): skipping");
        Path catalogue = dir.resolve("images.yaml");
        String jvm = "-Djdk.net.hosts.file=${POD_DIR}/etc/hosts -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx64m";
        Files.writeString(catalogue, """
                images:
                  ghcr.io/kproxy-dev/sage:
                    entrypoint: ["${JAVA}", "-cp", "%1$s", "dev.kproxy.examples.sage.SageServer"]
                    env: {BIND_ADDRESS: "${POD_IP}", JAVA_TOOL_OPTIONS: "%2$s"}
                  ghcr.io/kproxy-dev/quota:
                    entrypoint: ["${JAVA}", "-cp", "%1$s", "dev.kproxy.examples.quota.QuotaServer"]
                    env: {BIND_ADDRESS: "${POD_IP}", JAVA_TOOL_OPTIONS: "%2$s"}
                  redis:
                    entrypoint: ["%3$s", "--port", "6379", "--bind", "${POD_IP}", "--save", "", "--appendonly", "no", "--protected-mode", "no"]
                  test.kproxy.dev/grpc-health:
                    entrypoint: ["${JAVA}", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m", "-cp", "%4$s", "%5$s"]
                    env: {BIND_ADDRESS: "${POD_IP}"}
                """.formatted(classesOf(SageServer.class), jvm, REDIS, System.getProperty("java.class.path"), HealthServerPod.class.getName()));
        sandbox = Sandbox.start(SandboxConfig.builder().kubeconfig(dir.resolve("kubeconfig")).workDir(dir.resolve("run"))
                .imageCatalogue(catalogue).build());
        sandbox.apply(List.of(Path.of("../examples/manifests/sage.yaml"), Path.of("src/test/resources/netty-clients.yaml")));
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(sandbox.kubeconfig()))).build();
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(300)).until(() -> sandbox.unreadyWorkloads().isEmpty());
        outbound = Outbound.start(ConnectOptions.of(sandbox.kubeconfig(), NS));
        KproxyHome home = KproxyHome.at(dir.resolve("home"));
        agents = AgentService.start(outbound, AgentJar.socket(home), "cluster.local");
        agentOption = AgentJar.javaOption(home);
    }

    @AfterAll
    static void stop() {
        if (outbound != null) {
            outbound.close();
        }
        if (agents != null) {
            agents.close();
        }
        if (client != null) {
            client.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void lettuceReactorNettyAndGrpcReachTheClusterOnJdk17() throws Exception {
        assertNettyClients(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    @Test
    void lettuceReactorNettyAndGrpcReachTheClusterOnJdk25() throws Exception {
        if (!Files.isExecutable(JDK25)) {
            System.out.println("skipping the JDK 25 run: " + JDK25 + " is not installed");
            Assumptions.abort(JDK25 + " is not installed");
        }
        assertNettyClients(JDK25.toString());
    }

    /**
     * In the loopback-only namespace (src/test/netns/bin/java), a cluster address is reachable
     * only through the agent: without it the same connect fails at once. Elsewhere, says why not.
     */
    @Test
    void withoutTheAgentAClusterAddressIsUnreachableInTheTestNamespace() throws Exception {
        if (!"loopback-only".equals(System.getenv("KPROXY_NETNS"))) {
            System.out.println("not isolated: this machine gave no network namespace (see src/test/netns/bin/java)");
            Assumptions.abort("no network namespace on this machine");
        }
        List<String> interfaces = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .map(java.net.NetworkInterface::getName).toList();
        assertThat(interfaces).containsExactly("lo");
        try (java.net.Socket direct = new java.net.Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> direct.connect(new java.net.InetSocketAddress(clusterIp("sage"), 50100), 10_000))
                    .isInstanceOf(java.net.SocketException.class).hasMessageContaining("unreachable");
        }
    }

    private static void assertNettyClients(String java) throws Exception {
        String redisPod = readyPod("redis");
        String healthPod = readyPod("health");
        PortForwardCounters.PodStats redisBefore = counters(redisPod);
        PortForwardCounters.PodStats healthBefore = counters(healthPod);
        String value = UUID.randomUUID().toString();
        String sageIp = clusterIp("sage");

        List<String> probes = new ArrayList<>(List.of("lettuce:redis://redis:6379/short=" + value,
                "lettuce:redis://redis.wjyl-dev.svc.cluster.local:6379/fqdn=" + value,
                "reactor:http://sage:50100/v1/usage/test", "reactor:http://" + sageIp + ":50100/v1/usage/test",
                "grpc:health:50051", "grpc:health.wjyl-dev.svc.cluster.local:50051"));
        boolean uring = io.netty.channel.uring.IoUring.isAvailable();
        if (uring) {
            probes.add("uring:http://sage.wjyl-dev:50100/v1/usage/test");
        } else {
            System.out.println("not probing Netty's io_uring transport: " + io.netty.channel.uring.IoUring.unavailabilityCause());
        }
        String out = run(java, probes.toArray(String[]::new));

        // Reactor Netty takes io_uring over epoll when both are on the class path (Lettuce and gRPC keep epoll).
        String reactorChannel = uring ? "IoUringSocketChannel" : "EpollSocketChannel";
        assertThat(out).contains("lettuce:redis://redis:6379/short=" + value + " -> get=" + value)
                .contains("lettuce:redis://redis.wjyl-dev.svc.cluster.local:6379/fqdn=" + value + " -> get=" + value)
                .contains("reactor:http://sage:50100/v1/usage/test -> remote=sage/" + sageIp + ":50100 channel=" + reactorChannel + " body={")
                // Netty names a peer by the host string it was asked for: here the literal itself.
                .contains("reactor:http://" + sageIp + ":50100/v1/usage/test -> remote=" + sageIp + "/" + sageIp + ":50100 channel="
                        + reactorChannel + " body={")
                .contains("grpc:health:50051 -> status=SERVING remote=health/" + clusterIp("health") + ":50051")
                .contains("grpc:health.wjyl-dev.svc.cluster.local:50051 -> status=SERVING remote=health.wjyl-dev.svc.cluster.local/"
                        + clusterIp("health") + ":50051");
        if (uring) {
            assertThat(out).contains("uring:http://sage.wjyl-dev:50100/v1/usage/test -> remote=sage.wjyl-dev/" + sageIp
                    + ":50100 channel=IoUringSocketChannel body={").contains("io/netty/channel/uring/SockaddrIn");
        }
        assertThat(out.split("\"data\":\"from k8s\"", -1)).hasSize(uring ? 4 : 3);
        assertThat(out).contains("io/netty/channel/unix/Socket").contains("io/grpc/netty/shaded/io/netty/channel/unix/Socket")
                .contains("io/netty/resolver/dns/DnsNameResolver");

        PortForwardCounters.PodStats redisAfter = counters(redisPod);
        assertThat(redisAfter.streamsOpened() - redisBefore.streamsOpened()).isGreaterThanOrEqualTo(2);
        assertThat(redisAfter.bytesPodToClient() - redisBefore.bytesPodToClient()).isGreaterThanOrEqualTo(2L * value.length());
        assertThat(counters(healthPod).streamsOpened() - healthBefore.streamsOpened()).isGreaterThanOrEqualTo(2);
    }

    private static String run(String java, String... probes) throws Exception {
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", agentOption,
                "-cp", System.getProperty("java.class.path"), NettyProbe.class.getName()));
        command.addAll(List.of(probes));
        Path err = dir.resolve("probe.err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
        String stderr = Files.readString(err);
        System.out.println(java + " with the agent:\n" + out + stderr);
        assertThat(p.exitValue()).as(stderr).isZero();
        assertThat(stderr).doesNotContain("kproxy agent:");
        return out;
    }

    private static String readyPod(String app) {
        return client.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null).map(Pod::getMetadata).findFirst().orElseThrow().getName();
    }

    private static String clusterIp(String service) {
        return client.services().inNamespace(NS).withName(service).get().getSpec().getClusterIP();
    }

    private static PortForwardCounters.PodStats counters(String pod) {
        return sandbox.portForwardCounters().snapshot().pod(NS, pod);
    }

    static String classesOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

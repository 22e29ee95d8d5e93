package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.Main;
import dev.kproxy.launcher.agent.AgentJar;
import dev.kproxy.launcher.agent.AgentProbe;
import dev.kproxy.launcher.agent.AgentService;
import dev.kproxy.sandbox.network.PortForwardCounters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kproxy Java agent end to end: child JVMs started with {@code -javaagent:kproxy-agent.jar}
 * and nothing else (no SOCKS properties) reach the sage story on a sandbox with JDK clients that
 * ignore {@code socksProxyHost} - a non-blocking SocketChannel with a Selector (as Kafka),
 * java.net.http.HttpClient, AsynchronousSocketChannel - and Socket, by short name, FQDN,
 * ClusterIP and pod IP. Every cluster call is checked in the sandbox's port-forward counters, the
 * app is shown the cluster address as its peer, and non-cluster destinations behave byte for byte
 * as without the agent. One sandbox and one daemon session for the class; few child JVMs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JavaAgentSandboxTest {
    static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    private static final Pattern SAGE_POD = Pattern.compile("\"pod\":\"(sage-[a-z0-9]+-[a-z0-9]+)\"");

    @TempDir
    static Path dir;
    static StoryCluster cluster;
    static Outbound outbound;
    static AgentService agents;
    static KproxyHome home;
    static ServerSocket localEcho;
    static int closedPort;

    @BeforeAll
    static void start() throws IOException {
        cluster = StoryCluster.start(dir);
        outbound = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS));
        home = KproxyHome.at(dir.resolve("home"));
        agents = AgentService.start(outbound, AgentJar.socket(home), "cluster.local");
        localEcho = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread echo = new Thread(JavaAgentSandboxTest::serveLocalEcho, "local-echo");
        echo.setDaemon(true);
        echo.start();
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = closed.getLocalPort();
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (localEcho != null) {
            localEcho.close();
        }
        if (outbound != null) {
            outbound.close();
        }
        if (agents != null) {
            agents.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void jdkClientsReachTheClusterOnJdk17() throws Exception {
        assertClusterProbes(javaBinary());
    }

    @Test
    @Order(2)
    void jdkClientsReachTheClusterOnJdk25() throws Exception {
        if (!Files.isExecutable(JDK25)) {
            System.out.println("skipping the JDK 25 run: " + JDK25 + " is not installed");
            Assumptions.abort(JDK25 + " is not installed");
        }
        assertClusterProbes(JDK25.toString());
        // The first JDK 25 start wove with ASM and kept the results; the second takes them from the cache.
        try (var entries = Files.walk(home.root().resolve("agent-cache"))) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(n -> n.startsWith("sun.nio.ch.SocketChannelImpl-"))
                    .anyMatch(n -> n.startsWith("dev.kproxy.jvmagent.hooks.ClusterResolver-"));
        }
        assertClusterProbes(JDK25.toString());
    }

    @Test
    @Order(3)
    void nonClusterDestinationsBehaveExactlyAsWithoutTheAgent() throws Exception {
        String[] controls = {
                "socket:localhost:" + localEcho.getLocalPort(), "nio:127.0.0.1:" + localEcho.getLocalPort(),
                "async:localhost:" + localEcho.getLocalPort(),
                "socket:127.0.0.1:" + closedPort, "nio:localhost:" + closedPort, "async:127.0.0.1:" + closedPort,
                "http:http://127.0.0.1:" + closedPort + "/", "socket:nosuch.invalid:80", "resolve:nosuch.invalid",
                "resolve:localhost"};
        Clients.Result without = Clients.run(probe(javaBinary(), null, controls));
        Clients.Result with = Clients.run(probe(javaBinary(), AgentJar.javaOption(home), controls));
        Clients.Result daemonGone = Clients.run(probe(javaBinary(),
                "-javaagent:" + AgentJar.extract(home) + "=socket=" + dir.resolve("no-daemon.sock"), controls));

        assertThat(without.out()).contains("echo=hello socket").contains("ConnectException");
        assertThat(with.out()).isEqualTo(without.out());
        assertThat(with.err()).isEqualTo(without.err());
        assertThat(daemonGone.out()).isEqualTo(without.out());
        assertThat(daemonGone.err()).contains("kproxy agent: the kproxy daemon does not answer on " + dir.resolve("no-daemon.sock"));
    }

    @Test
    @Order(4)
    void killingTheServingPodDoesNotBreakTheNextCall() throws Exception {
        String url = "http:http://" + cluster.clusterIp("sage") + ":50100/v1/usage/test";
        Clients.Result first = Clients.run(probe(javaBinary(), AgentJar.javaOption(home), url));
        String served = sagePod(first.out());
        cluster.client.pods().inNamespace(StoryCluster.NS).withName(served).delete();

        Clients.Result after = Clients.run(probe(javaBinary(), AgentJar.javaOption(home), url, url));
        assertThat(after.exit()).as(after.err()).isZero();
        Matcher pods = SAGE_POD.matcher(after.out());
        int answered = 0;
        while (pods.find()) {
            assertThat(pods.group(1)).isNotEqualTo(served);
            assertThat(cluster.counters(pods.group(1)).streamsOpened()).isPositive();
            answered++;
        }
        assertThat(answered).as(after.out()).isEqualTo(2);
    }

    @Test
    @Order(5)
    void aRealDaemonServesAgentsKproxyRunAddsTheAgentAndAgentPathPrintsTheJar() throws Exception {
        Path userHome = dir.resolve("user-home");
        Map<String, String> env = Map.of("KPROXY_HOME", userHome.toString());
        Clients.Result connect = Clients.run(Clients.java(Main.class.getName(), "connect", "--kubeconfig", cluster.kubeconfig().toString(),
                "-n", StoryCluster.NS, "--proxy-port", "0", "--dns-port", "0"), env);
        try {
            assertThat(connect.exit()).as(connect.out() + connect.err()).isZero();
            Path jar = userHome.resolve("agent").resolve(AgentJar.FILE_NAME);
            assertThat(connect.out()).contains("export JAVA_TOOL_OPTIONS=\"-javaagent:" + jar + "=socket=" + userHome.resolve("agent.sock") + "\"");

            List<String> run = Clients.java(Main.class.getName(), "run", "--", javaBinary(), "-XX:TieredStopAtLevel=1",
                    "-cp", StoryCluster.classesOf(AgentProbe.class), AgentProbe.class.getName(),
                    "http:http://sage:50100/v1/usage/test", "nio:echo:7000");
            Clients.Result r = Clients.run(run, env);
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("\"data\":\"from k8s\"")
                    .contains("nio:echo:7000 -> remote=echo/" + cluster.clusterIp("echo") + ":7000 echo=hello nio");
            assertAnsweredThroughPortForward(r.out());

            // The JVM above asked for two cluster destinations (sage:50100, echo:7000): two listeners.
            Clients.Result status = Clients.run(Clients.java(Main.class.getName(), "status"), env);
            assertThat(status.out()).contains("Java agent   2 cluster destinations on loopback listeners (agents ask on "
                    + userHome.resolve("agent.sock") + ")");

            Clients.Result path = Clients.run(Clients.java(Main.class.getName(), "agent-path"), env);
            assertThat(path.out().strip()).isEqualTo(jar.toString());
            assertThat(Files.size(jar)).isPositive();
        } finally {
            Clients.run(Clients.java(Main.class.getName(), "quit"), env);
        }
    }

    private static void assertClusterProbes(String java) throws Exception {
        String echoIp = cluster.clusterIp("echo");
        String echoPod = cluster.readyPods("echo").get(0).getMetadata().getName();
        String echoPodIp = cluster.readyPods("echo").get(0).getStatus().getPodIP();
        PortForwardCounters.PodStats before = cluster.counters(echoPod);

        Clients.Result r = Clients.run(probe(java, AgentJar.javaOption(home),
                "nio:echo:7000", "socket:echo.wjyl-dev.svc.cluster.local:7000", "async:" + echoIp + ":7000",
                "nio:" + echoPodIp + ":7000", "http:http://sage.wjyl-dev:50100/v1/usage/test"));

        System.out.println(java + " with the agent:\n" + r.out() + r.err());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("kproxy agent:");
        List<String> lines = Arrays.asList(r.out().split("\n"));
        assertThat(lines).contains(
                "nio:echo:7000 -> remote=echo/" + echoIp + ":7000 echo=hello nio",
                "socket:echo.wjyl-dev.svc.cluster.local:7000 -> remote=echo.wjyl-dev.svc.cluster.local/" + echoIp
                        + ":7000 inet=echo.wjyl-dev.svc.cluster.local/" + echoIp + " echo=hello socket",
                "async:" + echoIp + ":7000 -> remote=/" + echoIp + ":7000 echo=hello async",
                "nio:" + echoPodIp + ":7000 -> remote=/" + echoPodIp + ":7000 echo=hello nio");
        assertThat(r.out()).contains("\"data\":\"from k8s\"");
        assertAnsweredThroughPortForward(r.out());

        PortForwardCounters.PodStats after = cluster.counters(echoPod);
        assertThat(after.streamsOpened() - before.streamsOpened()).isEqualTo(4);
        assertThat(after.bytesClientToPod() - before.bytesClientToPod())
                .isEqualTo(("hello nio\n".length() * 2L + "hello socket\n".length() + "hello async\n".length()));
    }

    private static void assertAnsweredThroughPortForward(String out) {
        String pod = sagePod(out);
        assertThat(cluster.counters(pod).streamsOpened()).as("port-forward streams to " + pod).isPositive();
        assertThat(cluster.counters(pod).bytesPodToClient()).isPositive();
    }

    private static String sagePod(String out) {
        Matcher m = SAGE_POD.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    private static List<String> probe(String java, String agentOption, String... probes) {
        List<String> command = new ArrayList<>(List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        if (agentOption != null) {
            command.add(agentOption);
        }
        command.addAll(List.of("-cp", StoryCluster.classesOf(AgentProbe.class), AgentProbe.class.getName()));
        command.addAll(List.of(probes));
        return command;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void serveLocalEcho() {
        while (!localEcho.isClosed()) {
            try {
                Socket s = localEcho.accept();
                Thread t = new Thread(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException ignored) {
                        // client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }
}

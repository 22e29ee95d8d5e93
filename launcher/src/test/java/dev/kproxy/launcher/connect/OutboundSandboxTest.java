package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.UserError;
import dev.kproxy.sandbox.network.PortForwardCounters;
import io.fabric8.kubernetes.api.model.Pod;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The outbound session ({@link Outbound}) in this JVM against the sage story on a sandbox, with
 * real clients: curl (SOCKS5 hostname, HTTP absolute-form, HTTP CONNECT), a child JVM that only
 * has {@code -DsocksProxyHost}, a raw HTTP CONNECT client, dig. Every cluster call is checked in
 * the sandbox's port-forward counters: bytes went through {@code pods/portforward} to the pod
 * that the answer names.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OutboundSandboxTest {
    @TempDir
    static Path dir;
    static StoryCluster cluster;
    static Outbound outbound;

    private static final Pattern SAGE_POD = Pattern.compile("\"pod\":\"(sage-[a-z0-9]+-[a-z0-9]+)\"");

    @BeforeAll
    static void start() {
        cluster = StoryCluster.start(dir);
        outbound = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS));
    }

    @AfterAll
    static void stop() {
        if (outbound != null) {
            outbound.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void curlSocks5HostnameReachesSageThroughPortForward() throws Exception {
        Clients.Result r = Clients.run(List.of("curl", "-sS", "--max-time", "30", "--socks5-hostname",
                "127.0.0.1:" + outbound.proxyPort(), "http://sage.wjyl-dev:50100/v1/usage/test"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("{\"code\":\"0\",\"msg\":\"\",\"date\":").contains("\"data\":\"from k8s\"");
        assertAnsweredThroughPortForward(r.out());
    }

    @Test
    @Order(2)
    void curlThroughTheHttpProxyAbsoluteFormAndConnect() throws Exception {
        String proxy = "http://127.0.0.1:" + outbound.proxyPort();
        Clients.Result plain = Clients.run(List.of("curl", "-sS", "--max-time", "30", "-x", proxy,
                "http://sage.wjyl-dev.svc.cluster.local:50100/v1/usage/test"));
        assertThat(plain.exit()).as(plain.err()).isZero();
        assertThat(plain.out()).contains("\"data\":\"from k8s\"");
        assertAnsweredThroughPortForward(plain.out());

        // -p: curl opens a CONNECT tunnel and speaks HTTP inside it (sage has no TLS port).
        Clients.Result tunnel = Clients.run(List.of("curl", "-sS", "--max-time", "30", "-p", "-x", proxy,
                "http://sage.wjyl-dev:50100/v1/usage/test"));
        assertThat(tunnel.exit()).as(tunnel.err()).isZero();
        assertThat(tunnel.out()).contains("\"data\":\"from k8s\"");
        assertAnsweredThroughPortForward(tunnel.out());
    }

    @Test
    @Order(3)
    void aJvmWithOnlySocksPropertiesReachesQuotaAndEchoByNameAndByClusterIp() throws Exception {
        String echoPod = cluster.readyPods("echo").get(0).getMetadata().getName();
        String quotaPod = cluster.readyPods("quota").get(0).getMetadata().getName();
        PortForwardCounters.PodStats echoBefore = cluster.counters(echoPod);
        PortForwardCounters.PodStats quotaBefore = cluster.counters(quotaPod);
        List<String> command = Clients.java(SocksPropertyClient.class.getName(),
                "http://quota.wjyl-dev:8080/v1/quota", "echo.wjyl-dev", "7000", cluster.clusterIp("echo"), "7000");
        command.add(1, "-DsocksProxyHost=127.0.0.1");
        command.add(2, "-DsocksProxyPort=" + outbound.proxyPort());
        Clients.Result r = Clients.run(command);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("http 200 {\"service\":\"quota\",\"pod\":\"" + quotaPod + "\"")
                .contains("by-name hello by name")
                .contains("by-ip hello by ClusterIP");
        PortForwardCounters.PodStats quotaAfter = cluster.counters(quotaPod);
        assertThat(quotaAfter.streamsOpened()).isGreaterThan(quotaBefore.streamsOpened());
        assertThat(quotaAfter.bytesPodToClient()).isGreaterThan(quotaBefore.bytesPodToClient());
        PortForwardCounters.PodStats echoAfter = cluster.counters(echoPod);
        assertThat(echoAfter.streamsOpened()).isGreaterThanOrEqualTo(echoBefore.streamsOpened() + 2);
        assertThat(echoAfter.bytesClientToPod() - echoBefore.bytesClientToPod())
                .isEqualTo(("hello by name\n" + "hello by ClusterIP\n").length());
    }

    @Test
    @Order(4)
    void anHttpConnectClientTunnelsToAPodPortByServiceName() throws Exception {
        String echoPod = cluster.readyPods("echo").get(0).getMetadata().getName();
        long before = cluster.counters(echoPod).bytesPodToClient();
        try (Socket s = new Socket("127.0.0.1", outbound.proxyPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write("CONNECT echo.wjyl-dev.svc:7000 HTTP/1.1\r\nHost: echo.wjyl-dev.svc:7000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 200");
            byte[] frame = new byte[70_000];
            new java.util.Random(7).nextBytes(frame);
            assertThat(Clients.echo(s, frame)).isEqualTo(frame);
        }
        assertThat(cluster.counters(echoPod).bytesPodToClient() - before).isEqualTo(70_000);
    }

    @Test
    @Order(5)
    void digAnswersClusterNamesFromTheIndex() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/dig")) || onPath("dig"), "dig is not installed: skipping the DNS checks");
        String sageIp = cluster.clusterIp("sage");
        assertThat(dig("sage.wjyl-dev.svc.cluster.local", "A")).isEqualTo(sageIp);
        assertThat(dig("sage", "A")).isEqualTo(sageIp);
        assertThat(dig("_http._tcp.sage.wjyl-dev.svc.cluster.local", "SRV")).isEqualTo("0 100 50100 sage.wjyl-dev.svc.cluster.local.");
        Pod quota = cluster.readyPods("quota").get(0);
        String quotaIp = quota.getStatus().getPodIP();
        // quota is not headless, so its pod's PTR is the pod A record <ip-with-dashes>.<ns>.pod.<domain>.
        assertThat(dig("-x " + quotaIp, "PTR")).isEqualTo(quotaIp.replace('.', '-') + ".wjyl-dev.pod.cluster.local.");
        Clients.Result nx = Clients.run(List.of("dig", "@127.0.0.1", "-p", Integer.toString(outbound.dnsAddress().getPort()),
                "+time=5", "+tries=1", "nosuch.wjyl-dev.svc.cluster.local", "A"));
        assertThat(nx.out()).contains("status: NXDOMAIN");
    }

    @Test
    @Order(6)
    void noDirectRefusesOutsideAddressesButStillReachesTheCluster() throws Exception {
        try (ServerSocket outside = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Outbound strict = Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS).withAllowDirect(false))) {
            // Direct connections work on the default session...
            try (Socket s = Clients.socks(outbound.proxyPort(), "127.0.0.1", outside.getLocalPort()); Socket accepted = outside.accept()) {
                assertThat(accepted.isConnected()).isTrue();
            }
            // ...and are refused with --no-direct: SOCKS5 reply 0x02, HTTP 403.
            try (Socket s = new Socket("127.0.0.1", strict.proxyPort())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(new byte[] {5, 1, 0});
                out.flush();
                assertThat(s.getInputStream().readNBytes(2)).containsExactly(5, 0);
                int port = outside.getLocalPort();
                out.write(new byte[] {5, 1, 0, 1, 127, 0, 0, 1, (byte) (port >> 8), (byte) port});
                out.flush();
                assertThat(s.getInputStream().readNBytes(2)).containsExactly(5, 2);
            }
            Clients.Result http = Clients.run(List.of("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}",
                    "-x", "http://127.0.0.1:" + strict.proxyPort(), "http://example.com/"));
            assertThat(http.out()).isEqualTo("403");
            assertThat(strict.stats().recentErrors()).containsKey("example.com:80");
            assertThat(strict.stats().recentErrors().get("example.com:80").get(0).message()).contains("--no-direct");

            Clients.Result cluster = Clients.run(List.of("curl", "-sS", "--max-time", "30", "--socks5-hostname",
                    "127.0.0.1:" + strict.proxyPort(), "http://sage.wjyl-dev:50100/v1/usage/test"));
            assertThat(cluster.out()).contains("\"data\":\"from k8s\"");
        }
    }

    @Test
    @Order(7)
    void unknownClusterNamesAreRefusedWithTheResolversReason() throws Exception {
        Clients.Result r = Clients.run(List.of("curl", "-sS", "--max-time", "30", "-x", "http://127.0.0.1:" + outbound.proxyPort(),
                "http://nosuch.wjyl-dev.svc.cluster.local:80/"));
        assertThat(r.out()).contains("service nosuch not found in namespace wjyl-dev");
        assertThat(outbound.status().path("recentErrors").path("nosuch.wjyl-dev.svc.cluster.local:80").get(0)
                .path("message").asString()).contains("not found");
    }

    @Test
    @Order(8)
    void startupFailuresAreOneLineNamingWhatIsWrong() throws Exception {
        assertThatThrownBy(() -> Outbound.start(ConnectOptions.of(cluster.kubeconfig(), "nope")))
                .isInstanceOf(UserError.class)
                .hasMessageStartingWith("namespace \"nope\" not found in context kproxy-sandbox: ");
        assertThatThrownBy(() -> Outbound.start(ConnectOptions.of(cluster.aliceKubeconfig(), StoryCluster.NS)))
                .isInstanceOf(UserError.class)
                .hasMessageContaining("not allowed to list endpointslices in namespace wjyl-dev in context kproxy-sandbox")
                .hasMessageContaining("cannot list resource \"endpointslices\"");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS).withPorts(port, 0)))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("port " + port + " is already in use")
                    .hasMessageContaining("--proxy-port");
        }
        try (java.net.DatagramSocket taken = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertThatThrownBy(() -> Outbound.start(ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS).withPorts(0, port)))
                    .isInstanceOf(UserError.class)
                    .hasMessageContaining("port " + port + " is already in use")
                    .hasMessageContaining("--dns-port");
        }
        Path unreachable = dir.resolve("unreachable-kubeconfig");
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Files.writeString(unreachable, Files.readString(cluster.kubeconfig())
                .replace(cluster.sandbox.apiServer().toString().replaceAll("/$", ""), "https://127.0.0.1:" + closedPort));
        assertThatThrownBy(() -> Outbound.start(ConnectOptions.of(unreachable, StoryCluster.NS)))
                .isInstanceOf(UserError.class)
                .hasMessageStartingWith("cannot reach the API server https://127.0.0.1:" + closedPort)
                .hasMessageNotContaining("\n");
    }

    @Test
    @Order(8)
    void withoutPortForwardPermissionTheClientGetsNotAllowedAndTheReason() throws Exception {
        try (Outbound bob = Outbound.start(ConnectOptions.of(cluster.bobKubeconfig(), StoryCluster.NS));
             Socket s = new Socket("127.0.0.1", bob.proxyPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {5, 1, 0});
            out.flush();
            assertThat(s.getInputStream().readNBytes(2)).containsExactly(5, 0);
            byte[] host = "sage.wjyl-dev".getBytes(StandardCharsets.US_ASCII);
            out.write(new byte[] {5, 1, 0, 3, (byte) host.length});
            out.write(host);
            out.write(new byte[] {(byte) (50100 >> 8), (byte) 50100});
            out.flush();
            assertThat(s.getInputStream().readNBytes(2)).containsExactly(5, 2);
            assertThat(bob.stats().recentErrors().get("sage.wjyl-dev:50100").get(0).message())
                    .startsWith("sage.wjyl-dev:50100: ").contains("pods/portforward");
        }
    }

    @Test
    @Order(8)
    void proxyCredentialsAreRequiredWhenSetAndNeededOffLoopback() throws Exception {
        ConnectOptions base = ConnectOptions.of(cluster.kubeconfig(), StoryCluster.NS);
        ConnectOptions withAuth = new ConnectOptions(base.kubeconfig(), null, StoryCluster.NS, Set.of(), false, "127.0.0.1", 0, 0,
                "cluster.local", true, java.util.Optional.of(new dev.kproxy.proxy.ProxyCredentials("dev", "s3cret")));
        try (Outbound guarded = Outbound.start(withAuth)) {
            String proxy = "127.0.0.1:" + guarded.proxyPort();
            Clients.Result ok = Clients.run(List.of("curl", "-sS", "--max-time", "30", "--socks5-hostname", proxy,
                    "--proxy-user", "dev:s3cret", "http://sage.wjyl-dev:50100/v1/usage/test"));
            assertThat(ok.out()).contains("\"data\":\"from k8s\"");
            Clients.Result denied = Clients.run(List.of("curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}",
                    "-x", "http://" + proxy, "http://sage.wjyl-dev:50100/v1/usage/test"));
            assertThat(denied.out()).isEqualTo("407");
            assertThat(guarded.status().toString()).doesNotContain("s3cret");
        }
        ConnectOptions openToAll = new ConnectOptions(base.kubeconfig(), null, StoryCluster.NS, Set.of(), false, "0.0.0.0", 0, 0,
                "cluster.local", true, java.util.Optional.empty());
        assertThatThrownBy(() -> Outbound.start(openToAll)).isInstanceOf(UserError.class)
                .hasMessageContaining("non-loopback address 0.0.0.0").hasMessageContaining("--bind");
    }

    @Test
    @Order(9)
    void statusCountsConnectionsAndBytes() {
        var s = outbound.status();
        assertThat(s.path("context").asString()).isEqualTo("kproxy-sandbox");
        assertThat(s.path("namespaces").get(0).asString()).isEqualTo(StoryCluster.NS);
        assertThat(s.path("totalConnections").asLong()).isGreaterThanOrEqualTo(6);
        assertThat(s.path("bytesFromCluster").asLong()).isGreaterThan(70_000);
        assertThat(s.toString()).doesNotContain(cluster.sandbox.adminToken());
    }

    /**
     * A pod that writes and closes at once (the name port): every one of many short connections
     * gets the bytes, also when the port-forward has ended before the proxy joined it to the client.
     */
    @Test
    @Order(10)
    void serverFirstBytesArriveOnEveryShortConnection() throws Exception {
        String pod = cluster.readyPods("echo").get(0).getMetadata().getName();
        int empty = 0;
        for (int i = 0; i < 200; i++) {
            try (Socket s = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7001)) {
                if (!Clients.readLine(s).equals(pod)) {
                    empty++;
                }
            }
        }
        assertThat(empty).as("connections that closed without the pod's name").isZero();
    }

    @Test
    @Order(20)
    void afterTheServingPodIsDeletedTheNextRequestReachesItsReplacement() throws Exception {
        Pod victim = cluster.readyPods("echo").get(0);
        String old = victim.getMetadata().getName();
        try (Socket s = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7001)) {
            assertThat(Clients.readLine(s)).isEqualTo(old);
        }
        // A connection open to the pod when it is deleted must end, not hang (echo has one replica: the victim).
        Socket held = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7000);
        held.getOutputStream().write('x');
        assertThat(held.getInputStream().read()).isEqualTo('x');
        cluster.client.pods().inNamespace(StoryCluster.NS).withName(old).delete();
        try (held) {
            held.setSoTimeout(60_000); // a hang fails the test with SocketTimeoutException
            int next;
            try {
                next = held.getInputStream().read();
            } catch (java.net.SocketException reset) {
                next = -1;
            }
            assertThat(next).as("a connection to the deleted pod ends").isEqualTo(-1);
        }

        AtomicReference<String> answered = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
            try (Socket s = Clients.socks(outbound.proxyPort(), "echo.wjyl-dev", 7001)) {
                String name = Clients.readLine(s);
                // Checked against this sandbox's pods: other sandboxes on the machine share 127.244/16.
                assertThat(name).isNotEqualTo(old);
                assertThat(cluster.readyPods("echo")).extracting(p -> p.getMetadata().getName()).contains(name);
                answered.set(name);
            }
        });
        assertThat(cluster.counters(answered.get()).bytesPodToClient()).isGreaterThanOrEqualTo(answered.get().length() + 1);
    }

    /**
     * The real CLI path as child processes ({@code java -cp <test class path> dev.kproxy.launcher.Main}),
     * with a private KPROXY_HOME: connect starts the background daemon, a second connect says so,
     * run passes the variables and the exit code, status reports, a failed start comes back as one
     * line, quit frees both ports.
     */
    @Test
    @Order(30)
    void cliConnectRunStatusQuitAsChildProcesses() throws Exception {
        Path home = dir.resolve("home");
        java.util.Map<String, String> env = java.util.Map.of("KPROXY_HOME", home.toString());
        int proxyPort = freePort();
        int dnsPort = freePort();
        Clients.Result connect = Clients.run(Clients.java("dev.kproxy.launcher.Main", "connect", "--kubeconfig",
                cluster.kubeconfig().toString(), "-n", StoryCluster.NS, "--proxy-port", Integer.toString(proxyPort),
                "--dns-port", Integer.toString(dnsPort)), env);
        boolean passed = false;
        try {
            assertThat(connect.exit()).as(() -> connect.out() + connect.err() + "\ndaemon log:\n" + daemonLog(home)).isZero();
            assertThat(connect.out()).contains("Connected to context kproxy-sandbox, namespaces wjyl-dev")
                    .contains("JAVA_TOOL_OPTIONS=\"-DsocksProxyHost=127.0.0.1 -DsocksProxyPort=" + proxyPort + "\"")
                    .contains("ALL_PROXY=socks5h://127.0.0.1:" + proxyPort)
                    .contains("HTTP_PROXY=http://127.0.0.1:" + proxyPort + " HTTPS_PROXY=http://127.0.0.1:" + proxyPort)
                    .contains("NO_PROXY=localhost,127.0.0.1,::1")
                    .contains("DNS: 127.0.0.1:" + dnsPort);

            Clients.Result again = Clients.run(Clients.java("dev.kproxy.launcher.Main", "connect", "--kubeconfig",
                    cluster.kubeconfig().toString(), "-n", StoryCluster.NS), env);
            assertThat(again.exit()).isZero();
            assertThat(again.out()).startsWith("Already connected to context kproxy-sandbox, namespaces wjyl-dev (proxy 127.0.0.1:" + proxyPort);

            Clients.Result curl = Clients.run(Clients.java("dev.kproxy.launcher.Main", "run", "--",
                    "curl", "-sS", "--max-time", "30", "http://sage.wjyl-dev:50100/v1/usage/test"), env);
            assertThat(curl.exit()).as(curl.err()).isZero();
            assertThat(curl.out()).contains("\"data\":\"from k8s\"");
            assertAnsweredThroughPortForward(curl.out());

            java.util.Map<String, String> withJavaOptions = new java.util.HashMap<>(env);
            withJavaOptions.put("JAVA_TOOL_OPTIONS", "-Dkproxy.test=1");
            Clients.Result exitCode = Clients.run(Clients.java("dev.kproxy.launcher.Main", "run", "--",
                    "sh", "-c", "echo \"$JAVA_TOOL_OPTIONS|$ALL_PROXY|$NO_PROXY\"; exit 3"), withJavaOptions);
            assertThat(exitCode.exit()).isEqualTo(3);
            assertThat(exitCode.out().strip()).isEqualTo("-Dkproxy.test=1 -DsocksProxyHost=127.0.0.1 -DsocksProxyPort=" + proxyPort
                    + "|socks5h://127.0.0.1:" + proxyPort + "|localhost,127.0.0.1,::1");

            Clients.Result json = Clients.run(Clients.java("dev.kproxy.launcher.Main", "status", "-o", "json"), env);
            assertThat(json.exit()).as(json.err()).isZero();
            var status = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json.out());
            assertThat(status.path("proxyPort").asInt()).isEqualTo(proxyPort);
            assertThat(status.path("dnsPort").asInt()).isEqualTo(dnsPort);
            assertThat(status.path("totalConnections").asLong()).isGreaterThanOrEqualTo(1);
            assertThat(status.path("bytesFromCluster").asLong()).isGreaterThan(0);
            Clients.Result text = Clients.run(Clients.java("dev.kproxy.launcher.Main", "status"), env);
            assertThat(text.out()).contains("Context      kproxy-sandbox").contains("Proxy        127.0.0.1:" + proxyPort);
            passed = true;
        } finally {
            Clients.Result quit = Clients.run(Clients.java("dev.kproxy.launcher.Main", "quit"), env);
            if (passed) { // otherwise the first failure is the one worth reading, not quit's
                assertThat(quit.exit()).as(quit.err()).isZero();
                assertThat(quit.out()).as(() -> "daemon log:\n" + daemonLog(home)).contains("Disconnected from context kproxy-sandbox.");
            }
        }
        try (ServerSocket tcp = new ServerSocket(proxyPort, 50, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket udp = new java.net.DatagramSocket(dnsPort, InetAddress.getLoopbackAddress());
             ServerSocket dnsTcp = new ServerSocket(dnsPort, 50, InetAddress.getLoopbackAddress())) {
            assertThat(tcp.getLocalPort()).isEqualTo(proxyPort);
            assertThat(udp.getLocalPort()).isEqualTo(dnsPort);
        }
        assertThat(Files.readString(home.resolve("daemon.log"))).doesNotContain(cluster.sandbox.adminToken());

        Clients.Result notConnected = Clients.run(Clients.java("dev.kproxy.launcher.Main", "run", "--", "true"), env);
        assertThat(notConnected.exit()).isEqualTo(1);
        assertThat(notConnected.err().strip()).endsWith("kproxy: kproxy is not connected; run `kproxy connect` first");

        Clients.Result missing = Clients.run(Clients.java("dev.kproxy.launcher.Main", "connect", "--kubeconfig",
                cluster.kubeconfig().toString(), "-n", "nope", "--proxy-port", "0", "--dns-port", "0"), env);
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err().strip()).startsWith("kproxy: namespace \"nope\" not found in context kproxy-sandbox: ")
                .doesNotContain("\n").doesNotContain("Exception");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The answer names the sage pod that served it; that pod's port-forward counters moved. */
    private static String daemonLog(Path home) {
        try {
            return java.nio.file.Files.readString(home.resolve("daemon.log"));
        } catch (java.io.IOException e) {
            return "(no daemon log: " + e.getMessage() + ")";
        }
    }

    private static void assertAnsweredThroughPortForward(String body) {
        Matcher m = SAGE_POD.matcher(body);
        assertThat(m.find()).as(body).isTrue();
        String pod = m.group(1);
        PortForwardCounters.PodStats stats = cluster.counters(pod);
        assertThat(stats.streamsOpened()).isGreaterThanOrEqualTo(1);
        assertThat(stats.bytesPodToClient()).isGreaterThanOrEqualTo(body.length());
        assertThat(Set.copyOf(cluster.readyPods("sage").stream().map(p -> p.getMetadata().getName()).toList())).contains(pod);
    }

    private static String dig(String name, String type) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("dig", "@127.0.0.1", "-p",
                Integer.toString(outbound.dnsAddress().getPort()), "+short", "+time=5", "+tries=1"));
        command.addAll(List.of(name.split(" ")));
        command.add(type);
        Clients.Result r = Clients.run(command);
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().strip();
    }

    private static boolean onPath(String program) {
        return java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }
}

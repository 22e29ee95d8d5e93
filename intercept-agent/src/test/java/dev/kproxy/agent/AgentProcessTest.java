package dev.kproxy.agent;

import dev.kproxy.tunnel.Frame;
import dev.kproxy.tunnel.FrameCodec;
import dev.kproxy.tunnel.FrameType;
import dev.kproxy.tunnel.LocalTargets;
import dev.kproxy.tunnel.RawTunnelPeer;
import dev.kproxy.tunnel.Role;
import dev.kproxy.tunnel.TunnelClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The agent as its own JVM in front of an "app" echo server, with "laptop" ends attaching over its tunnel port. */
class AgentProcessTest {
    private static final Duration ATTACH = Duration.ofSeconds(15);
    private static final String APP = "app:";
    private static final String LAPTOP = "laptop:";

    private final List<AutoCloseable> resources = new ArrayList<>();
    private PrefixEchoServer app;
    private PrefixEchoServer laptop;
    private AgentProcess agent;
    private int agentPort;

    @BeforeEach
    void startServers() throws IOException {
        app = own(new PrefixEchoServer(APP));
        laptop = own(new PrefixEchoServer(LAPTOP));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private void startAgent(Map<String, String> extraEnvironment) throws IOException {
        Map<String, String> env = new java.util.HashMap<>(extraEnvironment);
        env.put("KPROXY_AGENT_PORTS", "0:" + app.port());
        agent = own(AgentProcess.start(env));
        agentPort = agent.interceptPort(app.port());
    }

    private TunnelClient attachLaptop(int localPort) throws Exception {
        long attachedBefore = agent.countLines("tunnel attached");
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), agent.tunnelPort());
        TunnelClient client = own(TunnelClient.connect(socket, LocalTargets.single(localPort)));
        assertThat(client.awaitAttached(ATTACH)).isTrue();
        agent.awaitLines("tunnel attached", attachedBefore + 1, ATTACH);
        return client;
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.add(resource);
        return resource;
    }

    @Test
    void withoutATunnelTheAppAnswers() throws Exception {
        startAgent(Map.of());
        assertThat(EchoClient.exchange(agentPort, "hello")).isEqualTo("app:hello");
    }

    @Test
    void anAttachedLaptopGetsTheConnectionsAndTheAppGetsThemBackWhenItLeaves() throws Exception {
        startAgent(Map.of());
        TunnelClient client = attachLaptop(laptop.port());
        assertThat(EchoClient.exchange(agentPort, "hello")).isEqualTo("laptop:hello");
        assertThat(EchoClient.exchange(agentPort, "again")).isEqualTo("laptop:again");

        client.close();
        agent.awaitLine("detached (the laptop went away: laptop disconnected)", ATTACH);
        assertThat(EchoClient.exchange(agentPort, "after")).isEqualTo("app:after");
    }

    @Test
    void thirtyTwoConcurrentConnectionsOf16MiBArriveIntact() throws Exception {
        startAgent(Map.of());
        attachLaptop(laptop.port());
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<EchoClient.Transfer>> transfers = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                long seed = i;
                transfers.add(clients.submit(() ->
                        EchoClient.bulk(agentPort, 16L << 20, seed, LAPTOP.length(), null, new AtomicLong())));
            }
            for (Future<EchoClient.Transfer> future : transfers) {
                EchoClient.Transfer transfer = future.get(5, TimeUnit.MINUTES);
                assertThat(transfer.prefix()).isEqualTo(LAPTOP);
                assertThat(transfer.receivedBytes()).isEqualTo(16L << 20);
                assertThat(transfer.receivedSha256()).isEqualTo(transfer.sentSha256());
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aStalledLocalReaderStallsOnlyItsOwnStream() throws Exception {
        startAgent(Map.of());
        attachLaptop(laptop.port());
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            AtomicLong heldSent = new AtomicLong();
            long heldSize = 256L << 20;
            Future<EchoClient.Transfer> held = clients.submit(() ->
                    EchoClient.bulk(agentPort, heldSize, 1, LAPTOP.length(), (int) PrefixEchoServer.HOLD, heldSent));
            // The held stream fills its window and every buffer on the way, then its client can write no more.
            await().atMost(Duration.ofSeconds(60)).until(() -> heldSent.get() > 4L << 20);

            EchoClient.Transfer other = EchoClient.bulk(agentPort, 32L << 20, 2, LAPTOP.length(), null, new AtomicLong());
            assertThat(other.receivedSha256()).isEqualTo(other.sentSha256());
            assertThat(other.receivedBytes()).isEqualTo(32L << 20);
            assertThat(held).isNotDone();
            assertThat(heldSent.get()).isLessThan(heldSize);

            laptop.releaseHeld();
            EchoClient.Transfer released = held.get(5, TimeUnit.MINUTES);
            assertThat(released.receivedBytes()).isEqualTo(heldSize);
            assertThat(released.receivedSha256()).isEqualTo(released.sentSha256());
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aRefusedLaptopPortResetsThatConnectionAndTheNextOneWorksOnceItListens() throws Exception {
        int closedPort;
        try (ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = reserved.getLocalPort();
        }
        startAgent(Map.of());
        attachLaptop(closedPort);

        String refused;
        try {
            refused = EchoClient.exchange(agentPort, "nobody home");
        } catch (IOException reset) {
            refused = "";
        }
        assertThat(refused).isEmpty();
        agent.awaitLine("reset by the laptop: connection refused by 127.0.0.1:" + closedPort + " on the laptop", ATTACH);

        try (PrefixEchoServer late = new PrefixEchoServer("late:", closedPort)) {
            assertThat(late.port()).isEqualTo(closedPort);
            assertThat(EchoClient.exchange(agentPort, "now")).isEqualTo("late:now");
        }
        assertThat(agent.countLines("detached")).isZero();
    }

    @Test
    void aLaptopWhoseConnectionDropsIsDetachedAndTheAppAnswersAgain() throws Exception {
        startAgent(Map.of());
        Socket tunnel = new Socket(InetAddress.getLoopbackAddress(), agent.tunnelPort());
        TunnelClient client = own(TunnelClient.connect(tunnel, LocalTargets.single(laptop.port())));
        assertThat(client.awaitAttached(ATTACH)).isTrue();
        agent.awaitLine("tunnel attached", ATTACH);
        assertThat(EchoClient.exchange(agentPort, "x")).isEqualTo("laptop:x");

        tunnel.setSoLinger(true, 0);
        tunnel.close(); // no GOAWAY: the byte stream just ends, as when the port-forward dies

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertThat(EchoClient.exchange(agentPort, "y")).isEqualTo("app:y"));
    }

    @Test
    void aKilledLaptopProcessIsDetachedAndTheAppAnswersAgain() throws Exception {
        startAgent(Map.of());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process laptopProcess = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                LaptopMain.class.getName(), String.valueOf(agent.tunnelPort()), String.valueOf(laptop.port()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        own(() -> laptopProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS));
        agent.awaitLine("tunnel attached", Duration.ofSeconds(30));
        assertThat(EchoClient.exchange(agentPort, "x")).isEqualTo("laptop:x");

        laptopProcess.destroyForcibly(); // kill -9
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertThat(EchoClient.exchange(agentPort, "y")).isEqualTo("app:y"));
    }

    @Test
    void aFrozenLaptopIsDetachedWhenItStopsAnsweringPings() throws Exception {
        startAgent(Map.of());
        RawTunnelPeer frozen = own(new RawTunnelPeer(new Socket(InetAddress.getLoopbackAddress(), agent.tunnelPort())));
        frozen.send(new Frame.Hello(FrameCodec.VERSION, Role.LAPTOP, 1 << 20));
        agent.awaitLine("tunnel attached", ATTACH);
        assertThat(frozen.receiveUntil(FrameType.PING)).isNotNull();
        // From here on the peer neither reads nor answers: its socket stays open, like a suspended laptop.

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertThat(EchoClient.exchange(agentPort, "y")).isEqualTo("app:y"));
        agent.awaitLine("detached (no frame from the laptop for", ATTACH);
    }

    @Test
    void aMalformedFrameDropsThatTunnelWithAGoAwayAndTheAppKeepsAnswering() throws Exception {
        startAgent(Map.of());
        RawTunnelPeer peer = own(new RawTunnelPeer(new Socket(InetAddress.getLoopbackAddress(), agent.tunnelPort())));
        peer.send(new Frame.Hello(FrameCodec.VERSION, Role.LAPTOP, 1 << 20));
        agent.awaitLine("tunnel attached", ATTACH);

        peer.sendBytes(new byte[] {0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Frame goAway = peer.receiveUntil(FrameType.GOAWAY);
        assertThat(goAway).isEqualTo(new Frame.GoAway("unknown frame type 0x7f"));
        assertThat(peer.receive()).isNull();
        agent.awaitLine("detached (unknown frame type 0x7f)", ATTACH);

        assertThat(EchoClient.exchange(agentPort, "still")).isEqualTo("app:still");
        assertThat(agent.isAlive()).isTrue();
    }

    @Test
    void aHelloWithAnotherVersionGetsAGoAwaySayingWhy() throws Exception {
        startAgent(Map.of());
        RawTunnelPeer peer = own(new RawTunnelPeer(new Socket(InetAddress.getLoopbackAddress(), agent.tunnelPort())));
        peer.send(new Frame.Hello(2, Role.LAPTOP, 1 << 20));
        assertThat(peer.receiveUntil(FrameType.GOAWAY)).isEqualTo(new Frame.GoAway(
                "tunnel protocol version 2 is not supported; this agent speaks version 1"));
        assertThat(EchoClient.exchange(agentPort, "x")).isEqualTo("app:x");
    }

    @Test
    void aTunnelConnectionFromAnotherAddressIsRefused() throws Exception {
        startAgent(Map.of("KPROXY_AGENT_TUNNEL_ADDRESS", "127.0.0.2"));
        int tunnelPort = agent.tunnelPort();
        InetAddress tunnelAddress = InetAddress.getByName("127.0.0.2");

        try (Socket stranger = new Socket(tunnelAddress, tunnelPort, InetAddress.getByName("127.0.0.3"), 0);
             RawTunnelPeer peer = new RawTunnelPeer(stranger)) {
            assertThat(peer.receive()).isNull(); // closed without a HELLO
        }
        agent.awaitLine("refused a tunnel connection from 127.0.0.3", ATTACH);

        // The same client from the bound address is let in: it gets the agent's HELLO.
        try (Socket local = new Socket(tunnelAddress, tunnelPort, tunnelAddress, 0);
             RawTunnelPeer peer = new RawTunnelPeer(local)) {
            assertThat(peer.receive()).isEqualTo(new Frame.Hello(FrameCodec.VERSION, Role.AGENT, 4 << 20));
        }
    }

    @Test
    void withAHeaderRuleOnlyRequestsCarryingItGoToTheLaptop() throws Exception {
        startAgent(Map.of("KPROXY_AGENT_HEADER", "x-kproxy-user=alice"));
        attachLaptop(laptop.port());
        String alice = "GET /sage HTTP/1.1\r\nHost: sage\r\nX-Kproxy-User: alice\r\n\r\n";
        String bob = "GET /sage HTTP/1.1\r\nHost: sage\r\nX-Kproxy-User: bob\r\n\r\n";
        String nobody = "GET /sage HTTP/1.1\r\nHost: sage\r\n\r\n";
        assertThat(EchoClient.exchange(agentPort, alice)).isEqualTo(LAPTOP + alice);
        assertThat(EchoClient.exchange(agentPort, bob)).isEqualTo(APP + bob);
        assertThat(EchoClient.exchange(agentPort, nobody)).isEqualTo(APP + nobody);
    }


    @Test
    void withSeveralHeaderRulesARequestMustCarryThemAll() throws Exception {
        startAgent(Map.of("KPROXY_AGENT_HEADER", "x-kproxy-user=alice\nx-tenant=blue"));
        attachLaptop(laptop.port());
        String both = "GET /sage HTTP/1.1\r\nHost: sage\r\nX-Tenant: blue\r\nX-Kproxy-User: alice\r\n\r\n";
        String one = "GET /sage HTTP/1.1\r\nHost: sage\r\nX-Kproxy-User: alice\r\n\r\n";
        assertThat(EchoClient.exchange(agentPort, both)).isEqualTo(LAPTOP + both);
        assertThat(EchoClient.exchange(agentPort, one)).isEqualTo(APP + one);
    }

    @Test
    void withAHeaderRuleAClientThatNeverFinishesItsHeadGoesToTheAppWithItsBytes() throws Exception {
        startAgent(Map.of("KPROXY_AGENT_HEADER", "x-kproxy-user=alice"));
        attachLaptop(laptop.port());
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), agentPort)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write("GET /sage HT".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // No end of head and no FIN: the agent stops peeking after its deadline and replays what it read.
            byte[] answer = socket.getInputStream().readNBytes((APP + "GET /sage HT").length());
            assertThat(new String(answer, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo(APP + "GET /sage HT");
        }
    }

    @Test
    void aNewerTunnelReplacesTheOlderOne() throws Exception {
        startAgent(Map.of());
        TunnelClient first = attachLaptop(laptop.port());
        PrefixEchoServer secondLaptop = own(new PrefixEchoServer("second:"));
        attachLaptop(secondLaptop.port());

        assertThat(first.closed().get(10, TimeUnit.SECONDS)).isEqualTo("the agent went away: replaced by a newer tunnel");
        assertThat(EchoClient.exchange(agentPort, "x")).isEqualTo("second:x");
    }
}

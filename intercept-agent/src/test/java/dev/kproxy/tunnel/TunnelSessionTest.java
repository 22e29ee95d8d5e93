package dev.kproxy.tunnel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An agent-side session over a real socket, driven frame by frame from a hand-written laptop end. */
class TunnelSessionTest {
    private static final OpenRequest REQUEST = new OpenRequest(50100, new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), null);

    private final List<AutoCloseable> resources = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    /** An agent session and the raw laptop end of its socket. */
    private record Ends(TunnelSession agent, RawTunnelPeer laptop) {
    }

    /** Starts an agent session with this receive window; the raw laptop end has read its HELLO, sent none. */
    private Ends connect(int agentWindow) throws Exception {
        ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        resources.add(server);
        Socket laptopSocket = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket agentSocket = server.accept();
        TunnelSession agent = new TunnelSession(Role.AGENT, agentSocket.getInputStream(), agentSocket.getOutputStream(),
                agentSocket, agentWindow, stream -> { }, "test");
        resources.add(agent);
        RawTunnelPeer laptop = new RawTunnelPeer(laptopSocket);
        resources.add(laptop);
        agent.start();
        assertThat(laptop.receive()).isEqualTo(new Frame.Hello(1, Role.AGENT, agentWindow));
        return new Ends(agent, laptop);
    }

    /** As {@link #connect}, and the laptop has answered HELLO granting its own window. */
    private TunnelSession agentWith(int agentWindow, int laptopWindow, RawTunnelPeer[] laptopOut) throws Exception {
        Ends ends = connect(agentWindow);
        ends.laptop().send(new Frame.Hello(1, Role.LAPTOP, laptopWindow));
        assertThat(ends.agent().awaitHandshake(Duration.ofSeconds(10))).isTrue();
        laptopOut[0] = ends.laptop();
        return ends.agent();
    }

    @Test
    void aSenderNeverExceedsTheWindowThePeerGranted() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1 << 20, 1000, peer);
        TunnelStream stream = agent.open(REQUEST);
        byte[] payload = new byte[5000];
        Arrays.fill(payload, (byte) 7);
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            try {
                stream.output().write(payload);
                stream.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });

        long granted = 1000;
        long received = 0;
        Frame frame;
        while ((frame = peer[0].receive()) != null && !(frame instanceof Frame.HalfClose)) {
            if (frame instanceof Frame.Data data) {
                received += data.bytes().length;
                assertThat(received).isLessThanOrEqualTo(granted);
                if (received == granted) {
                    // Credit only once the whole grant is used: a sender ignoring windows would overrun it.
                    peer[0].send(new Frame.WindowUpdate(stream.id(), 1000));
                    granted += 1000;
                }
            }
        }
        assertThat(received).isEqualTo(5000);
        writing.get(10, TimeUnit.SECONDS);
    }

    @Test
    void creditGoesBackAsTheApplicationReadsNotAsBytesArrive() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1000, 1 << 20, peer);
        TunnelStream stream = agent.open(REQUEST);
        assertThat(peer[0].receive()).isInstanceOf(Frame.Open.class);

        peer[0].send(new Frame.Data(stream.id(), new byte[1000]));
        peer[0].send(new Frame.Ping(42));
        // The PONG comes after the agent handled the DATA; no credit may precede it, nothing was read yet.
        assertThat(peer[0].receive()).isEqualTo(new Frame.Pong(42));

        assertThat(stream.input().readNBytes(300)).hasSize(300);
        assertThat(peer[0].receive()).isEqualTo(new Frame.WindowUpdate(stream.id(), 300));
    }

    @Test
    void dataBeyondTheGrantedWindowClosesTheTunnelWithAGoAway() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1024, 1 << 20, peer);
        TunnelStream stream = agent.open(REQUEST);
        peer[0].send(new Frame.Data(stream.id(), new byte[1000]));
        peer[0].send(new Frame.Data(stream.id(), new byte[25]));

        String reason = "flow control violated on stream 1: 25 bytes sent with only 24 of the 1024-byte window left";
        assertThat(peer[0].receiveUntil(FrameType.GOAWAY)).isEqualTo(new Frame.GoAway(reason));
        assertThat(agent.closed().get(10, TimeUnit.SECONDS)).isEqualTo(reason);
        assertThatThrownBy(() -> stream.input().readAllBytes()).hasMessage("tunnel closed: " + reason);
    }

    @Test
    void theLaptopMayNotOpenStreams() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1 << 20, 1 << 20, peer);
        peer[0].send(new Frame.Open(1, REQUEST));
        assertThat(peer[0].receiveUntil(FrameType.GOAWAY)).isEqualTo(new Frame.GoAway("the laptop may not OPEN streams"));
        assertThat(agent.closed().get(10, TimeUnit.SECONDS)).isEqualTo("the laptop may not OPEN streams");
    }

    @Test
    void dataOnAStreamNeverOpenedIsAProtocolError() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        agentWith(1 << 20, 1 << 20, peer);
        peer[0].send(new Frame.Data(9, new byte[] {1}));
        assertThat(peer[0].receiveUntil(FrameType.GOAWAY)).isEqualTo(new Frame.GoAway("DATA on stream 9, which was never opened"));
    }

    @Test
    void framesForAStreamThatWasResetAreIgnoredAndOtherStreamsCarryOn() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1 << 20, 1 << 20, peer);
        TunnelStream first = agent.open(REQUEST);
        TunnelStream second = agent.open(REQUEST);
        first.abort("client went away");
        assertThat(peer[0].receive()).isInstanceOf(Frame.Open.class);
        assertThat(peer[0].receive()).isInstanceOf(Frame.Open.class);
        assertThat(peer[0].receive()).isEqualTo(new Frame.Reset(first.id(), "client went away"));

        peer[0].send(new Frame.Data(first.id(), new byte[] {1, 2, 3})); // crossed the RESET on the wire
        peer[0].send(new Frame.Data(second.id(), new byte[] {4, 5}));
        peer[0].send(new Frame.HalfClose(second.id()));
        assertThat(second.input().readAllBytes()).containsExactly(4, 5);
        assertThat(agent.isOpen()).isTrue();
    }

    @Test
    void aResetFromThePeerFailsTheStreamWithItsReason() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1 << 20, 1 << 20, peer);
        TunnelStream stream = agent.open(REQUEST);
        peer[0].send(new Frame.Reset(stream.id(), "connection refused by 127.0.0.1:10519 on the laptop"));
        assertThatThrownBy(() -> stream.input().read()).hasMessage("connection refused by 127.0.0.1:10519 on the laptop");
        assertThat(stream.resetByPeer()).isTrue();
        assertThat(agent.isOpen()).isTrue();
    }

    @Test
    void aPeerClaimingTheSameRoleGetsAGoAway() throws Exception {
        Ends ends = connect(1 << 20);
        ends.laptop().send(new Frame.Hello(1, Role.AGENT, 1 << 20));
        assertThat(ends.laptop().receiveUntil(FrameType.GOAWAY))
                .isEqualTo(new Frame.GoAway("peer says it is the agent, but this side is the agent"));
        assertThat(ends.agent().awaitHandshake(Duration.ofSeconds(1))).isFalse();
    }

    @Test
    void anythingBeforeHelloGetsAGoAway() throws Exception {
        Ends ends = connect(1 << 20);
        ends.laptop().send(new Frame.Ping(1));
        assertThat(ends.laptop().receiveUntil(FrameType.GOAWAY))
                .isEqualTo(new Frame.GoAway("expected HELLO as the first frame, got PING"));
    }

    @Test
    void dataAfterTheSendersHalfCloseResetsOnlyThatStream() throws Exception {
        RawTunnelPeer[] peer = new RawTunnelPeer[1];
        TunnelSession agent = agentWith(1 << 20, 1 << 20, peer);
        TunnelStream stream = agent.open(REQUEST);
        assertThat(peer[0].receive()).isInstanceOf(Frame.Open.class);
        peer[0].send(new Frame.HalfClose(stream.id()));
        peer[0].send(new Frame.Data(stream.id(), new byte[] {1}));
        assertThat(peer[0].receive()).isEqualTo(new Frame.Reset(stream.id(), "DATA after HALF_CLOSE on stream 1"));
        peer[0].send(new Frame.Ping(5));
        assertThat(peer[0].receive()).isEqualTo(new Frame.Pong(5));
        assertThat(agent.isOpen()).isTrue();
    }
}

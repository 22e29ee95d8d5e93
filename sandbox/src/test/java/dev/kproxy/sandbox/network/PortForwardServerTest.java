package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class PortForwardServerTest {
    private static final String V4 = "v4.channel.k8s.io";
    private static final String V4_BASE64 = "v4.base64.channel.k8s.io";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final ObjectStore store = new ObjectStore();
    private final PortForwardCounters counters = new PortForwardCounters();
    private PortForwardServer portForward;
    private PlainHttpApiServer api;
    private BlockingTcpServer echo;
    private String echoUid;

    @BeforeEach
    void start() throws Exception {
        startWithLatency(Duration.ZERO);
        echo = new BlockingTcpServer("127.0.0.1", BlockingTcpServer.ECHO);
        echoUid = pod("echo", "Running", "127.0.0.1");
    }

    private void startWithLatency(Duration latency) throws InterruptedException {
        if (api != null) {
            api.close();
            portForward.close();
        }
        portForward = new PortForwardServer(store, counters, latency);
        api = new PlainHttpApiServer(portForward);
    }

    @AfterEach
    void stop() throws IOException {
        portForward.close();
        api.close();
        echo.close();
        store.close();
    }

    private String pod(String name, String phase, String ip) {
        ObjectNode pod = JsonNodeFactory.instance.objectNode();
        pod.putObject("metadata").put("name", name).put("namespace", "default");
        ObjectNode status = pod.putObject("status").put("phase", phase);
        if (ip != null) {
            status.put("podIP", ip);
        }
        return store.create(ResourceCatalog.POD, pod).path("metadata").path("uid").asString();
    }

    private ChannelWebSocketClient open(String podName, String query, String subprotocol) throws Exception {
        return ChannelWebSocketClient.connect(api.url("ws", "default", podName, query), subprotocol);
    }

    /** Opens a one-port forward to the echo pod and checks the echoed subprotocol and both port prefixes. */
    private ChannelWebSocketClient openAfterPrefixes(int port, String subprotocol) throws Exception {
        ChannelWebSocketClient client = open("echo", "?ports=" + port, subprotocol);
        assertThat(client.ws.getSubprotocol()).isEqualTo(subprotocol);
        await().atMost(WAIT).until(() -> client.firstMessage.size() == 2);
        assertThat(client.firstMessage.get(0)).containsExactly(le(port));
        assertThat(client.firstMessage.get(1)).containsExactly(le(port));
        return client;
    }

    private static byte[] le(int port) {
        return new byte[] {(byte) port, (byte) (port >> 8)};
    }

    @Test
    void relaysSixtyFourMiBEachWayAfterThePortPrefixes() throws Exception {
        int port = echo.port();
        try (ChannelWebSocketClient client = openAfterPrefixes(port, V4)) {

            long total = 64L << 20;
            MessageDigest sent = ChannelWebSocketClient.sha256();
            Random random = new Random(42);
            byte[] chunk = new byte[64 * 1024];
            for (long done = 0; done < total; done += chunk.length) {
                random.nextBytes(chunk);
                sent.update(chunk);
                client.send(0, chunk);
            }
            await().atMost(WAIT).until(() -> client.dataBytes.get() == total);
            assertThat(client.dataSha256()).isEqualTo(sent.digest());
            assertThat(client.errorText.toString()).isEmpty();

            var pod = counters.snapshot().pod("default", "echo");
            assertThat(pod.streamsOpened()).isEqualTo(1);
            assertThat(pod.bytesClientToPod()).isEqualTo(total);
            assertThat(pod.bytesPodToClient()).isEqualTo(total);
            assertThat(counters.snapshot().upgradesByProtocol()).containsEntry(V4, 1L);
        }
        // Closing the WebSocket closes the pod socket, which ends the stream.
        await().atMost(WAIT).until(() -> counters.snapshot().pod("default", "echo").streamsClosed() == 1);
        JsonNode json = JsonMapper.builder().build().readTree(counters.toJson().toString());
        assertThat(json.path("pods").path(0).path("bytesClientToPod").asLong()).isEqualTo(64L << 20);
        assertThat(json.path("upgradesByProtocol").path(V4).asLong()).isEqualTo(1);
    }

    @Test
    void base64SubprotocolRoundTripsAndReassemblesFragments() throws Exception {
        int port = echo.port();
        try (ChannelWebSocketClient client = openAfterPrefixes(port, V4_BASE64)) {
            byte[] payload = new byte[70_000];
            new Random(7).nextBytes(payload);
            client.send(0, payload);
            await().atMost(WAIT).until(() -> client.dataBytes.get() == payload.length);
            assertThat(client.dataSha256()).isEqualTo(ChannelWebSocketClient.sha256().digest(payload));
        }
        try (ChannelWebSocketClient client = open("echo", "?ports=" + port, V4)) {
            byte[] all = new byte[3000];
            new Random(8).nextBytes(all);
            // One message [0x00, payload...] split over three WebSocket fragments.
            byte[] first = new byte[1001];
            System.arraycopy(all, 0, first, 1, 1000);
            client.sendFragmented(first, Arrays.copyOfRange(all, 1000, 2000), Arrays.copyOfRange(all, 2000, 3000));
            await().atMost(WAIT).until(() -> client.dataBytes.get() == all.length);
            assertThat(client.dataSha256()).isEqualTo(ChannelWebSocketClient.sha256().digest(all));
        }
    }

    @Test
    void v1ChannelSubprotocolsFrameTheSameWay() throws Exception {
        for (String v1 : new String[] {"channel.k8s.io", "base64.channel.k8s.io"}) {
            try (ChannelWebSocketClient client = openAfterPrefixes(echo.port(), v1)) {
                client.send(0, "v1".getBytes(StandardCharsets.US_ASCII));
                await().atMost(WAIT).until(() -> client.dataBytes.get() == 2);
            }
        }
        assertThat(counters.snapshot().upgradesByProtocol())
                .containsEntry("channel.k8s.io", 1L)
                .containsEntry("base64.channel.k8s.io", 1L);
    }

    @Test
    void refusedPortIsReportedOnTheErrorChannelThenTheWebSocketCloses() throws Exception {
        int port = BlockingTcpServer.unusedPort();
        try (ChannelWebSocketClient client = open("echo", "?ports=" + port, V4)) {
            int code = client.closeCode.get(60, TimeUnit.SECONDS);
            assertThat(code).isEqualTo(1000);
            assertThat(client.firstMessage.get(1)).containsExactly(le(port));
            assertThat(client.errorText.toString())
                    .startsWith("error forwarding port " + port + " to pod " + echoUid + ", uid : ")
                    .contains("dial tcp4 127.0.0.1:" + port + ": connect: connection refused");
        }
        var pod = counters.snapshot().pod("default", "echo");
        assertThat(pod.streamsOpened()).isEqualTo(1);
        assertThat(pod.streamsClosed()).isEqualTo(1);
    }

    @Test
    void podClosingItsSocketClosesTheWebSocketAfterItsLastBytes() throws Exception {
        try (BlockingTcpServer goodbye = new BlockingTcpServer("127.0.0.1", (socket, server) -> {
            socket.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }); ChannelWebSocketClient client = open("echo", "?ports=" + goodbye.port(), V4)) {
            assertThat(client.closeCode.get(60, TimeUnit.SECONDS)).isEqualTo(1000);
            assertThat(client.dataBytes.get()).isEqualTo(3);
            assertThat(client.dataSha256())
                    .isEqualTo(ChannelWebSocketClient.sha256().digest("bye".getBytes(StandardCharsets.US_ASCII)));
        }
    }

    @Test
    void twoPortsUseChannelsZeroToThree() throws Exception {
        try (BlockingTcpServer second = new BlockingTcpServer("127.0.0.1", BlockingTcpServer.named("second"));
             ChannelWebSocketClient client = open("echo", "?ports=" + echo.port() + "&ports=" + second.port(), V4)) {
            await().atMost(WAIT).until(() -> client.firstMessage.size() == 4);
            assertThat(client.firstMessage.get(2)).containsExactly(le(second.port()));
            assertThat(client.firstMessage.get(3)).containsExactly(le(second.port()));
            assertThat(counters.snapshot().pod("default", "echo").streamsOpened()).isEqualTo(2);
        }
    }

    @Test
    void malformedMessagesCloseOnlyThatWebSocketWithAProtocolError() throws Exception {
        int port = echo.port();
        try (ChannelWebSocketClient healthy = open("echo", "?ports=" + port, V4);
             ChannelWebSocketClient unknownChannel = open("echo", "?ports=" + port, V4);
             ChannelWebSocketClient empty = open("echo", "?ports=" + port, V4)) {
            unknownChannel.send(9, new byte[] {1, 2, 3});
            empty.sendFragmented(new byte[0]);
            assertThat(unknownChannel.closeCode.get(60, TimeUnit.SECONDS)).isEqualTo(1002);
            assertThat(empty.closeCode.get(60, TimeUnit.SECONDS)).isEqualTo(1002);

            healthy.send(0, "still here".getBytes(StandardCharsets.US_ASCII));
            await().atMost(WAIT).until(() -> healthy.dataBytes.get() == 10);
            assertThat(healthy.closeCode).isNotDone();
        }
    }

    @Test
    void injectedLatencyKeepsOrderAndData() throws Exception {
        startWithLatency(Duration.ofMillis(20));
        try (ChannelWebSocketClient client = open("echo", "?ports=" + echo.port(), V4)) {
            MessageDigest sent = ChannelWebSocketClient.sha256();
            long total = 0;
            for (int i = 0; i < 200; i++) {
                byte[] message = ("message " + i + ";").getBytes(StandardCharsets.US_ASCII);
                sent.update(message);
                total += message.length;
                client.send(0, message);
            }
            long expected = total;
            await().atMost(WAIT).until(() -> client.dataBytes.get() == expected);
            assertThat(client.dataSha256()).isEqualTo(sent.digest());
        }
    }

    @Test
    void slowReaderStallsThePodInsteadOfBufferingWithoutBound() throws Exception {
        // The pod writes a deterministic endless stream; the client checks every byte it gets.
        try (BlockingTcpServer source = new BlockingTcpServer("127.0.0.1", BlockingTcpServer.flood(99))) {
            Random expected = new Random(99);
            byte[] expectedChunk = new byte[64 * 1024];
            int[] offset = {expectedChunk.length};
            AtomicLong mismatches = new AtomicLong();
            ChannelWebSocketClient client = ChannelWebSocketClient.connect(
                    api.url("ws", "default", "echo", "?ports=" + source.port()), V4, bytes -> {
                        for (byte b : bytes) {
                            if (offset[0] == expectedChunk.length) {
                                expected.nextBytes(expectedChunk);
                                offset[0] = 0;
                            }
                            if (expectedChunk[offset[0]++] != b) {
                                mismatches.incrementAndGet();
                            }
                        }
                    });
            await().atMost(WAIT).until(() -> client.dataBytes.get() > (4 << 20));
            client.pause();

            long stalledAt = source.awaitWritesStalled(WAIT);
            long readFromPod = counters.snapshot().pod("default", "echo").bytesPodToClient();
            // Kernel socket buffers on loopback may hold tens of MiB (tcp_rmem max 32 MiB here); the
            // sandbox itself adds at most a write-buffer water mark and one read batch.
            System.out.println("slow reader: pod wrote " + stalledAt + " bytes, sandbox read " + readFromPod + " before stalling");
            assertThat(stalledAt).isLessThan(96L << 20);
            assertThat(readFromPod).isLessThanOrEqualTo(stalledAt);

            client.resume();
            await().atMost(WAIT).until(() -> source.written.get() > stalledAt + (16 << 20));
            assertThat(mismatches.get()).isZero();
            client.close();
        }
    }

    @Test
    void missingPodIsA404StatusAndTheServerKeepsServing() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api.url("http", "default", "nope", "?ports=80")))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode status = JsonMapper.builder().build().readTree(response.body());
        assertThat(status.path("kind").asString()).isEqualTo("Status");
        assertThat(status.path("reason").asString()).isEqualTo("NotFound");
        assertThat(status.path("message").asString()).isEqualTo("pods \"nope\" not found");
        assertThat(status.path("code").asInt()).isEqualTo(404);

        assertThat(handshakeStatus("nope", "?ports=80", V4)).isEqualTo(404);
        pod("pending", "Pending", null);
        assertThat(handshakeStatus("pending", "?ports=80", V4)).isEqualTo(400);
        pod("done", "Succeeded", "127.0.0.1");
        assertThat(handshakeStatus("done", "?ports=80", V4)).isEqualTo(400);
        assertThat(handshakeStatus("echo", "", V4)).isEqualTo(400);
        assertThat(handshakeStatus("echo", "?ports=0", V4)).isEqualTo(400);
        assertThat(handshakeStatus("echo", "?ports=70000", V4)).isEqualTo(400);
        assertThat(handshakeStatus("echo", "?ports=abc", V4)).isEqualTo(400);
        // kubectl's first choice, the SPDY tunnel, is served too (SpdyPortForwardTest covers it). The
        // JDK client rejects '/' in subprotocol names, so this one upgrade request is written by hand.
        assertThat(rawUpgradeStatusLine("echo", "SPDY/3.1+portforward.k8s.io")).startsWith("HTTP/1.1 101");
        assertThat(rawUpgradeStatusLine("echo", V4)).startsWith("HTTP/1.1 101");

        try (ChannelWebSocketClient client = open("echo", "?ports=" + echo.port(), V4)) {
            await().atMost(WAIT).until(() -> client.firstMessage.size() == 2);
        }
    }

    private String rawUpgradeStatusLine(String pod, String subprotocol) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", api.port())) {
            String request = "GET /api/v1/namespaces/default/pods/" + pod + "/portforward?ports=" + echo.port() + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: " + subprotocol + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return response;
        }
    }

    private int handshakeStatus(String pod, String query, String subprotocol) {
        try {
            ChannelWebSocketClient.connect(api.url("ws", "default", pod, query), subprotocol).close();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

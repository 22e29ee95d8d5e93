package dev.kproxy.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import io.netty.channel.EventLoop;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.Future;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random, truncated and mutated SOCKS5, SOCKS4 and HTTP requests: each gets its protocol's reply
 * or a clean close (never a hang), Netty never logs an unhandled exception or a buffer leak, and a
 * well-formed client connected at the same time keeps getting byte-exact echoes.
 */
class MalformedInputPropertiesTest {

    static {
        NettyWarningCapture.install();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    private static EchoServer echo;
    private static ProxyServer proxy;

    /** Only the echo server is reachable, so mutated destinations never leave this machine. */
    private static final class EchoOnlyDialer implements Dialer {
        private final DirectDialer direct = new DirectDialer(Duration.ofSeconds(5));

        @Override
        public Future<Channel> dial(Destination destination, EventLoop eventLoop) {
            boolean local = destination.host().equals("127.0.0.1") || destination.host().equals("localhost");
            if (!local || destination.port() != echo.port()) {
                return eventLoop.newFailedFuture(new DialFailure(DialFailure.Kind.NOT_ALLOWED,
                        destination.hostAndPort() + ": not allowed in this test"));
            }
            return direct.dial(destination, eventLoop);
        }
    }

    @BeforeContainer
    static void start() throws Exception {
        echo = new EchoServer();
        proxy = new ProxyServer(ProxyConfig.defaults().withHandshakeTimeout(Duration.ofSeconds(5)), new EchoOnlyDialer()).start();
    }

    @AfterContainer
    static void stop() throws Exception {
        proxy.close();
        echo.close();
        // Give the leak detector a chance to report buffers that were never released.
        System.gc();
        for (int i = 0; i < 64; i++) {
            io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1024).release();
        }
        assertThat(NettyWarningCapture.WARNINGS).isEmpty();
    }

    @Example
    void theWarningCaptureSeesAnExceptionReachingThePipelineTail() throws Exception {
        int before = NettyWarningCapture.WARNINGS.size();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.fireExceptionCaught(new IllegalStateException("probe: nobody handles this"));
                        }
                    })
                    .connect(InetAddress.getLoopbackAddress(), echo.port()).sync().channel();
            Awaitility.await().until(() -> NettyWarningCapture.WARNINGS.size() > before);
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        assertThat(NettyWarningCapture.WARNINGS.get(before)).contains("probe: nobody handles this");
        NettyWarningCapture.WARNINGS.subList(before, NettyWarningCapture.WARNINGS.size()).clear();
    }

    @Property(tries = 150)
    void mutatedSocks5(@ForAll("socks5Requests") byte[] input, @ForAll @Size(min = 1, max = 2000) byte[] payload) throws Exception {
        exchangeWhileAWellFormedClientIsServed(input, payload);
    }

    @Property(tries = 150)
    void mutatedSocks4(@ForAll("socks4Requests") byte[] input, @ForAll @Size(min = 1, max = 2000) byte[] payload) throws Exception {
        exchangeWhileAWellFormedClientIsServed(input, payload);
    }

    @Property(tries = 150)
    void mutatedHttp(@ForAll("httpRequests") byte[] input, @ForAll @Size(min = 1, max = 2000) byte[] payload) throws Exception {
        exchangeWhileAWellFormedClientIsServed(input, payload);
    }

    @Property(tries = 150)
    void randomBytes(@ForAll @Size(max = 300) byte[] input, @ForAll @Size(min = 1, max = 2000) byte[] payload) throws Exception {
        exchangeWhileAWellFormedClientIsServed(input, payload);
    }

    private static void exchangeWhileAWellFormedClientIsServed(byte[] input, byte[] payload) throws Exception {
        try (RawSocket good = new RawSocket(proxy.port())) {
            good.send(ProtocolRepliesTest.bytes(5, 1, 0)).read(2);
            assertThat(good.send(ProtocolRepliesTest.socks5ConnectIpv4(1, echo.port())).read(10)).startsWith(5, 0);

            byte[] reply;
            try (RawSocket bad = new RawSocket(proxy.port())) {
                bad.send(input).shutdownOutput();
                try {
                    reply = bad.readToEnd();
                } catch (SocketTimeoutException hung) {
                    throw new AssertionError("proxy neither replied nor closed for input " + printable(input), hung);
                }
            }
            assertReplyMatchesProtocol(input, reply);

            assertThat(good.send(payload).read(payload.length)).isEqualTo(payload);
        }
        assertThat(NettyWarningCapture.WARNINGS).isEmpty();
    }

    private static void assertReplyMatchesProtocol(byte[] input, byte[] reply) {
        if (reply.length == 0) {
            return; // a clean close
        }
        int first = input.length == 0 ? -1 : input[0] & 0xFF;
        if (first == 0x05) {
            assertThat(reply[0]).as("SOCKS5 reply to %s", printable(input)).isEqualTo((byte) 0x05);
        } else if (first == 0x04) {
            assertThat(reply[0]).as("SOCKS4 reply to %s", printable(input)).isEqualTo((byte) 0x00);
        } else if (Character.isLetter(first) && first < 0x80) {
            assertThat(new String(reply, StandardCharsets.ISO_8859_1)).as("HTTP reply to %s", printable(input)).startsWith("HTTP/1.1 ");
        } else {
            throw new AssertionError("reply to unrecognised input " + printable(input));
        }
    }

    private static String printable(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            text.append(b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02x", b & 0xFF));
        }
        return text.toString();
    }

    // ---- generators: a valid request, then maybe truncated, overwritten, or with bytes inserted ----

    @Provide
    Arbitrary<byte[]> socks5Requests() {
        Arbitrary<byte[]> valid = Arbitraries.of(0, 1).map(domain -> {
            int port = echo.port();
            byte[] request = domain == 1
                    ? concat(new byte[] {5, 1, 0, 5, 1, 0, 3, 9}, "localhost".getBytes(StandardCharsets.US_ASCII),
                            new byte[] {(byte) (port >> 8), (byte) port})
                    : concat(new byte[] {5, 1, 0}, ProtocolRepliesTest.socks5ConnectIpv4(1, port));
            return concat(request, "after".getBytes(StandardCharsets.US_ASCII));
        });
        return mutated(valid);
    }

    @Provide
    Arbitrary<byte[]> socks4Requests() {
        Arbitrary<byte[]> valid = Arbitraries.of(0, 1).map(socks4a -> {
            int port = echo.port();
            byte[] head = {4, 1, (byte) (port >> 8), (byte) port};
            return socks4a == 1
                    ? concat(head, new byte[] {0, 0, 0, 1, 'u', 0}, "localhost".getBytes(StandardCharsets.US_ASCII), new byte[] {0})
                    : concat(head, new byte[] {127, 0, 0, 1, 'u', 's', 'e', 'r', 0});
        });
        return mutated(valid);
    }

    @Provide
    Arbitrary<byte[]> httpRequests() {
        Arbitrary<String> valid = Arbitraries.of(
                "CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: 127.0.0.1:%<d\r\n\r\nhello",
                "GET http://127.0.0.1:%d/v1/usage/test HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n",
                "POST http://localhost:%d/echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
                "POST http://localhost:%d/echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
                "GET http://127.0.0.1:%d/ HTTP/1.0\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n\r\n");
        return mutated(valid.map(template -> String.format(template, echo.port()).getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static Arbitrary<byte[]> mutated(Arbitrary<byte[]> valid) {
        Arbitrary<List<Tuple.Tuple3<Integer, Integer, Byte>>> edits = Combinators.combine(
                        Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 10_000), Arbitraries.bytes())
                .as(Tuple::of).list().ofMaxSize(4);
        return Combinators.combine(valid, edits, Arbitraries.integers().between(0, 400)).as((request, changes, cut) -> {
            byte[] current = request;
            for (Tuple.Tuple3<Integer, Integer, Byte> edit : changes) {
                int at = current.length == 0 ? 0 : edit.get2() % current.length;
                switch (edit.get1()) {
                    case 0 -> current = java.util.Arrays.copyOf(current, at); // truncate
                    case 1 -> {
                        if (current.length > 0) {
                            current = current.clone();
                            current[at] = edit.get3(); // overwrite
                        }
                    }
                    default -> current = concat(java.util.Arrays.copyOf(current, at), new byte[] {edit.get3()},
                            java.util.Arrays.copyOfRange(current, at, current.length)); // insert
                }
            }
            return cut >= current.length ? current : java.util.Arrays.copyOf(current, Math.max(cut, current.length / 2));
        });
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, out, at, part.length);
            at += part.length;
        }
        return out;
    }
}

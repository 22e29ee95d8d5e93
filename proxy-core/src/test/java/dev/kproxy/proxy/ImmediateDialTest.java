package dev.kproxy.proxy;

import static dev.kproxy.proxy.ProtocolRepliesTest.ascii;
import static dev.kproxy.proxy.ProtocolRepliesTest.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * A dialer whose future is already complete when it returns (a pooled or very fast stream; over
 * port-forward the answer can beat the listener by a hair). The handshake handler must still finish
 * the read it dialled from before the relay takes the pipeline: an HTTP codec fires the CONNECT
 * request's LastHttpContent after the request itself, and that must never reach the upstream.
 */
class ImmediateDialTest {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** What was written to the upstream that is not bytes (an upstream like a port-forward stream fails on it). */
    private final java.util.List<String> notBytes = new java.util.concurrent.CopyOnWriteArrayList<>();
    private EchoServer echo;
    private ProxyServer proxy;

    @BeforeEach
    void start() throws Exception {
        echo = new EchoServer();
        Dialer alreadyConnected = (destination, loop) -> {
            Channel upstream = new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.AUTO_READ, false)
                    .handler(new io.netty.channel.ChannelOutboundHandlerAdapter() {
                        @Override
                        public void write(io.netty.channel.ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                            if (!(msg instanceof io.netty.buffer.ByteBuf)) {
                                notBytes.add(msg.getClass().getSimpleName());
                            }
                            ctx.write(msg, promise);
                        }
                    }).connect("127.0.0.1", echo.port()).syncUninterruptibly().channel();
            return loop.newSucceededFuture(upstream);
        };
        proxy = new ProxyServer(ProxyConfig.defaults(), alreadyConnected).start();
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        echo.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void httpConnectRelaysAfterTheReplyWhenTheDialIsAlreadyDone() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            String reply = ascii(client.send("CONNECT echo.wjyl-dev:7000 HTTP/1.1\r\nHost: echo.wjyl-dev:7000\r\n\r\n")
                    .read("HTTP/1.1 200 Connection established\r\n\r\n".length()));
            assertThat(reply).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
            assertThat(ascii(client.send("tunnel bytes").read(12))).isEqualTo("tunnel bytes");
        }
        assertThat(notBytes).isEmpty();
    }

    @Test
    void socks5RelaysWhenTheDialIsAlreadyDone() throws Exception {
        try (RawSocket client = new RawSocket(proxy.port())) {
            client.send(bytes(5, 1, 0)).read(2);
            assertThat(client.send(bytes(5, 1, 0, 1, 127, 0, 0, 1, 0x1b, 0x58)).read(10)).startsWith(5, 0);
            assertThat(ascii(client.send("socks bytes").read(11))).isEqualTo("socks bytes");
        }
        assertThat(notBytes).isEmpty();
    }
}

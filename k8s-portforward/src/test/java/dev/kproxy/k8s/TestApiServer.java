package dev.kproxy.k8s;

import dev.kproxy.sandbox.network.PortForwardCounters;
import dev.kproxy.sandbox.network.PortForwardServer;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test scaffolding until the whole sandbox lands: an HTTP(S) front with the API server's part of
 * {@code pods/portforward} (bearer token: 401; namespace {@code forbidden}: 403) in front of the
 * sandbox's own {@link PortForwardServer} (pod lookup and 404, kubelet framing, relay to
 * {@code podIP:port}). Pod {@code team/echo-0} runs at 127.0.0.1, so any local server is its port.
 */
final class TestApiServer implements AutoCloseable {

    static final String NAMESPACE = "team";
    static final String POD = "echo-0";
    private static final Pattern PATH = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward");

    private final ObjectStore store = new ObjectStore();
    private final PortForwardCounters counters = new PortForwardCounters();
    private final PortForwardServer portForward = new PortForwardServer(store, counters, Duration.ZERO);
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    private final SandboxPki pki;
    private volatile String token;

    TestApiServer(String token) {
        this(token, false);
    }

    /** With {@code tls}, serves HTTPS with a certificate of its own sandbox CA (names 127.0.0.1 and localhost). */
    TestApiServer(String token, boolean tls) {
        this.token = token;
        ObjectNode pod = JsonNodeFactory.instance.objectNode();
        pod.putObject("metadata").put("name", POD).put("namespace", NAMESPACE);
        pod.putObject("status").put("phase", "Running").put("podIP", "127.0.0.1");
        store.create(ResourceCatalog.POD, pod);
        this.pki = tls ? SandboxPki.generate() : null;
        SslContext sslContext = tls ? pki.serverSslContext() : null;
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new ApiHandler());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    long portForwardsOpened() {
        return counters.snapshot().pod(NAMESPACE, POD).streamsOpened();
    }

    long portForwardsClosed() {
        return counters.snapshot().pod(NAMESPACE, POD).streamsClosed();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String kubeconfig(String clientToken) {
        if (pki == null) {
            return kubeconfig("server: http://127.0.0.1:" + port(), clientToken);
        }
        return kubeconfig("server: https://localhost:" + port() + "\n    certificate-authority-data: " + caData(), clientToken);
    }

    /** A kubeconfig whose cluster entry has the given YAML lines (at 4 spaces) and the given token. */
    String kubeconfig(String clusterLines, String clientToken) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: fake
                  cluster:
                    %s
                users:
                - name: dev
                  user:
                    token: %s
                contexts:
                - name: fake
                  context: {cluster: fake, user: dev, namespace: %s}
                current-context: fake
                """.formatted(clusterLines, clientToken, NAMESPACE);
    }

    String caData() {
        return Base64.getEncoder().encodeToString(pki.caPem().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        portForward.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        store.close();
    }

    private final class ApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            Matcher m = PATH.matcher(new QueryStringDecoder(request.uri()).path());
            if (!m.matches()) {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "no such path");
            } else if (!("Bearer " + token).equals(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                reply(ctx, HttpResponseStatus.UNAUTHORIZED, "Unauthorized");
            } else if ("forbidden".equals(m.group(1))) {
                reply(ctx, HttpResponseStatus.FORBIDDEN, "pods \"" + m.group(2) + "\" is forbidden");
            } else {
                portForward.upgrade(ctx, request, m.group(1), m.group(2));
            }
        }

        private void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response);
        }
    }
}

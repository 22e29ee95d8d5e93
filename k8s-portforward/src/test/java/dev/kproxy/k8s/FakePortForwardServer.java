package dev.kproxy.k8s;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.cert.CertificateException;
import java.util.Base64;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test scaffolding until the sandbox lands: the server side of {@code pods/portforward} over
 * WebSocket, with the kubelet's behaviour (port prefixes on channels 0 and 1, dial localhost:port,
 * error text on channel 1 when the dial fails). Every "pod" is this machine; pod {@code missing}
 * answers 404, namespace {@code forbidden} 403, a wrong bearer token 401. HTTP or HTTPS.
 */
final class FakePortForwardServer implements AutoCloseable {

    private static final Pattern PATH = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward");

    final AtomicInteger opened = new AtomicInteger();
    final AtomicInteger closed = new AtomicInteger();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel server;
    private final SelfSignedCertificate certificate;
    private volatile String token;

    FakePortForwardServer(String token) {
        this(token, false);
    }

    /** With {@code tls}, serves HTTPS with a self-signed certificate for {@code localhost}. */
    FakePortForwardServer(String token, boolean tls) {
        this.token = token;
        this.certificate = tls ? selfSigned() : null;
        SslContext sslContext = tls ? serverContext(certificate) : null;
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(sslContext.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536), new UpgradeHandler());
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    void token(String token) {
        this.token = token;
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String kubeconfig(String clientToken) {
        if (certificate == null) {
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
                  context: {cluster: fake, user: dev, namespace: team}
                current-context: fake
                """.formatted(clusterLines, clientToken);
    }

    String caData() {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(certificate.certificate().toPath()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static SelfSignedCertificate selfSigned() {
        try {
            return new SelfSignedCertificate("localhost");
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SslContext serverContext(SelfSignedCertificate certificate) {
        try {
            return SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        if (certificate != null) {
            certificate.delete();
        }
    }

    private final class UpgradeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            QueryStringDecoder query = new QueryStringDecoder(request.uri());
            Matcher m = PATH.matcher(query.path());
            if (!m.matches()) {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "no such path");
                return;
            }
            if (!("Bearer " + token).equals(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                reply(ctx, HttpResponseStatus.UNAUTHORIZED, "Unauthorized");
                return;
            }
            if ("forbidden".equals(m.group(1))) {
                reply(ctx, HttpResponseStatus.FORBIDDEN, "forbidden");
                return;
            }
            if ("missing".equals(m.group(2))) {
                reply(ctx, HttpResponseStatus.NOT_FOUND, "{\"kind\":\"Status\",\"message\":\"pods \\\"missing\\\" not found\"}");
                return;
            }
            int port = Integer.parseInt(query.parameters().get("ports").get(0));
            WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                    "ws://127.0.0.1/", "v4.channel.k8s.io", false, 1 << 20).newHandshaker(request);
            handshaker.handshake(ctx.channel(), request).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    return;
                }
                opened.incrementAndGet();
                f.channel().closeFuture().addListener(c -> closed.incrementAndGet());
                ctx.pipeline().replace(this, "bridge", new Bridge(port));
            });
        }

        private void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String body) {
            var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response);
        }
    }

    /** One WebSocket to one TCP connection to 127.0.0.1:port, like the runtime's port-forward. */
    private static final class Bridge extends SimpleChannelInboundHandler<WebSocketFrame> {
        private final int port;
        private Channel target;

        Bridge(int port) {
            this.port = port;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[]{0, (byte) port, (byte) (port >> 8)})));
            ctx.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[]{1, (byte) port, (byte) (port >> 8)})));
            new Bootstrap().group(ctx.channel().eventLoop()).channel(NioSocketChannel.class)
                    .option(ChannelOption.AUTO_READ, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext t, Object msg) {
                            ByteBuf data = (ByteBuf) msg;
                            ByteBuf frame = t.alloc().buffer(1 + data.readableBytes()).writeByte(0).writeBytes(data);
                            data.release();
                            ctx.writeAndFlush(new BinaryWebSocketFrame(frame));
                            if (!ctx.channel().isWritable()) {
                                t.channel().config().setAutoRead(false);
                            }
                        }

                        @Override
                        public void channelWritabilityChanged(ChannelHandlerContext t) {
                            ctx.channel().config().setAutoRead(t.channel().isWritable());
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext t) {
                            ctx.writeAndFlush(new CloseWebSocketFrame()).addListener(ChannelFutureListener.CLOSE);
                        }
                    })
                    .connect("127.0.0.1", port).addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            target = f.channel();
                            ctx.channel().config().setAutoRead(true);
                        } else {
                            String text = "error forwarding port " + port + " to pod fake: " + f.cause().getMessage();
                            ByteBuf frame = Unpooled.buffer().writeByte(1).writeBytes(text.getBytes(StandardCharsets.UTF_8));
                            ctx.writeAndFlush(new BinaryWebSocketFrame(frame)).addListener(ChannelFutureListener.CLOSE);
                        }
                    });
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (target != null) {
                target.config().setAutoRead(ctx.channel().isWritable());
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame) {
                ctx.close();
                return;
            }
            ByteBuf content = frame.content();
            if (content.readUnsignedByte() != 0) {
                return;
            }
            target.writeAndFlush(content.retain());
            if (!target.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (target != null) {
                target.close();
            }
        }
    }
}

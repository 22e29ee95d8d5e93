package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

import dev.kproxy.sandbox.api.PortForwardEndpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The API server's half of {@code pods/portforward}: as apimachinery's {@code UpgradeAwareHandler}
 * does, each request gets a new TLS connection to the kubelet ({@link KubeletStreamingServer}),
 * the request goes there (without the user's credentials: the API server shows its own client
 * certificate), the kubelet's answer comes back, and after a 101 the two connections are spliced
 * byte for byte until either ends.
 *
 * <p>This hop is what makes a fresh upgrade expensive in a real cluster, and what a multiplexed
 * carrier avoids paying per connection. One difference from Kubernetes 1.30+: there the API server
 * ends the SPDY-in-WebSocket tunnel itself and speaks plain SPDY to the kubelet (apiserver
 * {@code util/proxy/streamtunnel.go}); here every upgrade, the tunnel included, is relayed as it
 * came, and the kubelet serves all three carriers. Clients see the same bytes either way.
 *
 * <p>The kubelet connection is dialled on the client connection's event loop, so splicing them
 * needs no hand-off between threads.
 */
public final class KubeletProxy implements PortForwardEndpoint, AutoCloseable {
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final InetSocketAddress kubelet;
    private final SslContext ssl;
    /** Every connection this proxy relays, both ends; a group forgets a channel once it closes. */
    private final ChannelGroup open = new DefaultChannelGroup("sandbox-kubelet-proxy", GlobalEventExecutor.INSTANCE);

    public KubeletProxy(InetSocketAddress kubelet, SslContext kubeletClientSsl) {
        this.kubelet = kubelet;
        this.ssl = kubeletClientSsl;
    }

    @Override
    public void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String namespace, String podName) {
        Channel client = ctx.channel();
        // Nothing more from the client until the kubelet has answered; its next bytes are the new protocol's.
        client.config().setAutoRead(false);
        FullHttpRequest forward = kubeletRequest(request, namespace, podName);
        new Bootstrap()
                .group(client.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), kubelet.getHostString(), kubelet.getPort()))
                                .addLast("http", new HttpClientCodec())
                                .addLast("aggregate", new HttpObjectAggregator(MAX_ERROR_BODY))
                                .addLast("answer", new KubeletAnswer(client, open::add));
                    }
                })
                .connect(kubelet)
                .addListener((ChannelFutureListener) dialled -> {
                    if (!dialled.isSuccess()) {
                        forward.release();
                        backendError(client, "error dialing backend: " + dialled.cause().getMessage());
                        return;
                    }
                    Channel backend = dialled.channel();
                    open.add(backend);
                    client.closeFuture().addListener(f -> backend.close());
                    backend.writeAndFlush(forward).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                });
    }

    /**
     * The request as the kubelet gets it: its path, the same method, query and headers (the
     * upgrade headers and WebSocket key included, so the kubelet's 101 is valid for the client),
     * without the user's credentials.
     */
    private FullHttpRequest kubeletRequest(FullHttpRequest request, String namespace, String podName) {
        String uri = request.uri();
        int query = uri.indexOf('?');
        String path = "/portForward/" + encode(namespace) + "/" + encode(podName) + (query < 0 ? "" : uri.substring(query));
        HttpHeaders headers = request.headers().copy();
        headers.remove(HttpHeaderNames.AUTHORIZATION);
        headers.set(HttpHeaderNames.HOST, kubelet.getHostString() + ":" + kubelet.getPort());
        return new DefaultFullHttpRequest(request.protocolVersion(), request.method(), path, Unpooled.EMPTY_BUFFER,
                headers, request.trailingHeaders().copy());
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8);
    }

    /** A dial that failed is a 500 from the API server, as UpgradeAwareHandler's responder answers. */
    private static void backendError(Channel client, String message) {
        if (client.isActive()) {
            new StatusReply(500, "InternalError", message, null, null).send(client, false);
        }
    }

    /** Closes every relayed connection, both ends. */
    @Override
    public void close() {
        open.close();
    }

    /** Waits for the kubelet's answer, passes it on, and after a 101 splices the two connections. */
    private static final class KubeletAnswer extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final Channel client;
        private final Consumer<Channel> spliced;
        private boolean answered;

        /** {@code spliced} gets the client connection once it carries a port-forward. */
        KubeletAnswer(Channel client, Consumer<Channel> spliced) {
            this.client = client;
            this.spliced = spliced;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            answered = true;
            Channel backend = ctx.channel();
            if (!response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                // A refusal (404, 400, 403 ...): the client gets it as the kubelet wrote it.
                boolean keepAlive = HttpUtil.isKeepAlive(response);
                backend.close();
                var written = client.writeAndFlush(response.retain());
                if (keepAlive) {
                    client.config().setAutoRead(true); // the API server's handlers are still in place
                } else {
                    written.addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            // The 101 goes out through the client's HTTP encoder, written at once on this (shared) loop;
            // then both HTTP codecs leave and the raw bytes of the new protocol flow through TcpRelays.
            response.headers().remove(HttpHeaderNames.CONTENT_LENGTH); // the aggregator's; a 1xx has none (RFC 9110 8.6)
            client.writeAndFlush(response.retain()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
            // The API server's HTTP handlers, from its codec to the end: the connection is a byte stream now.
            PortForwardHandshake.removeFrom(client.pipeline(), client.pipeline().context(HttpServerCodec.class).name());
            ChannelPipeline pipeline = backend.pipeline();
            pipeline.remove("aggregate");
            pipeline.replace(this, "relay", new TcpRelay(client));
            pipeline.remove("http"); // bytes its decoder still holds go on to the relay
            client.pipeline().addLast("relay", new TcpRelay(backend));
            spliced.accept(client);
            client.config().setAutoRead(true);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!answered) {
                answered = true;
                backendError(client, "error proxying to the kubelet: the connection closed before an answer");
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!answered) {
                answered = true;
                backendError(client, "error proxying to the kubelet: " + cause.getMessage());
            }
            ctx.close();
        }
    }
}

package dev.kproxy.jvmagent.it;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import reactor.netty.http.client.HttpClient;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A child-JVM client for the agent's Netty tests: real client libraries with their defaults
 * (epoll on Linux where they bundle it, Netty's own DNS resolver for Lettuce). One line per probe:
 * what the app saw, including Netty's {@code remoteAddress()}, or the exception.
 * <ul>
 * <li>{@code lettuce:URI KEY VALUE}: SET then GET over Lettuce;</li>
 * <li>{@code reactor:URL}: Reactor Netty HTTP GET;</li>
 * <li>{@code grpc:HOST:PORT}: the standard health check over grpc-netty-shaded;</li>
 * <li>{@code uring:URL}: a plain Netty HTTP GET on the io_uring transport.</li>
 * </ul>
 */
public final class NettyProbe {
    private NettyProbe() {
    }

    public static void main(String[] args) {
        for (String probe : args) {
            String kind = probe.substring(0, probe.indexOf(':'));
            String rest = probe.substring(kind.length() + 1);
            String line;
            try {
                line = switch (kind) {
                    case "lettuce" -> lettuce(rest);
                    case "reactor" -> reactor(rest);
                    case "uring" -> uring(java.net.URI.create(rest));
                    case "grpc" -> grpc(rest.substring(0, rest.lastIndexOf(':')), Integer.parseInt(rest.substring(rest.lastIndexOf(':') + 1)));
                    default -> throw new IllegalArgumentException("unknown probe " + kind);
                };
            } catch (Exception e) {
                line = "error " + e.getClass().getName() + ": " + e.getMessage();
            }
            System.out.println(probe + " -> " + line);
        }
        System.out.println("hooked " + System.getProperty("kproxy.agent.hooked"));
        System.exit(0); // client libraries leave non-daemon threads behind
    }

    /** {@code redis://host:port/key=value}. */
    private static String lettuce(String spec) {
        int slash = spec.lastIndexOf('/');
        String[] kv = spec.substring(slash + 1).split("=");
        RedisClient client = RedisClient.create(spec.substring(0, slash));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.setTimeout(Duration.ofSeconds(30));
            c.sync().set(kv[0], kv[1]);
            return "get=" + c.sync().get(kv[0]);
        } finally {
            client.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Netty's io_uring transport, whose connect the agent hooks in {@code SockaddrIn.set}. */
    private static String uring(java.net.URI url) throws Exception {
        var group = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.uring.IoUringIoHandler.newFactory());
        try {
            var response = new java.util.concurrent.CompletableFuture<String>();
            io.netty.channel.Channel ch = new io.netty.bootstrap.Bootstrap().group(group)
                    .channel(io.netty.channel.uring.IoUringSocketChannel.class)
                    .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                        @Override
                        protected void initChannel(io.netty.channel.Channel c) {
                            c.pipeline().addLast(new io.netty.handler.codec.http.HttpClientCodec(),
                                    new io.netty.handler.codec.http.HttpObjectAggregator(1 << 20),
                                    new io.netty.channel.SimpleChannelInboundHandler<io.netty.handler.codec.http.FullHttpResponse>() {
                                        @Override
                                        protected void channelRead0(io.netty.channel.ChannelHandlerContext ctx,
                                                                    io.netty.handler.codec.http.FullHttpResponse r) {
                                            response.complete(r.content().toString(java.nio.charset.StandardCharsets.UTF_8));
                                        }
                                    });
                        }
                    })
                    .connect(url.getHost(), url.getPort()).sync().channel();
            var get = new io.netty.handler.codec.http.DefaultFullHttpRequest(io.netty.handler.codec.http.HttpVersion.HTTP_1_1,
                    io.netty.handler.codec.http.HttpMethod.GET, url.getRawPath());
            get.headers().set("Host", url.getHost()).set("Content-Length", "0");
            ch.writeAndFlush(get);
            String body = response.get(30, TimeUnit.SECONDS);
            String seen = "remote=" + ch.remoteAddress() + " channel=" + ch.getClass().getSimpleName();
            ch.close().sync();
            return seen + " body=" + body;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static String reactor(String url) {
        AtomicReference<String> seen = new AtomicReference<>();
        String body = HttpClient.create()
                .doOnConnected(c -> seen.set("remote=" + c.channel().remoteAddress() + " channel=" + c.channel().getClass().getSimpleName()))
                .responseTimeout(Duration.ofSeconds(30))
                .get().uri(url).responseContent().aggregate().asString().block(Duration.ofSeconds(60));
        return seen.get() + " body=" + body;
    }

    private static String grpc(String host, int port) throws InterruptedException {
        AtomicReference<SocketAddress> remote = new AtomicReference<>();
        ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().intercept(new RemoteAddress(remote)).build();
        try {
            String status = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus().name();
            return "status=" + status + " remote=" + remote.get();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Reads the transport's remote address from the call's attributes (Netty's {@code remoteAddress()} underneath). */
    private record RemoteAddress(AtomicReference<SocketAddress> remote) implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            ClientCall<Q, R> call = next.newCall(method, options);
            return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                        @Override
                        public void onHeaders(Metadata h) {
                            remote.set(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                            super.onHeaders(h);
                        }
                    }, headers);
                }
            };
        }
    }
}

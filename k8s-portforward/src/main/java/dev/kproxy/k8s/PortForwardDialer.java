package dev.kproxy.k8s;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * Opens one TCP-like connection to a pod port through the API server's {@code pods/portforward}
 * (WebSocket, subprotocol {@code v4.channel.k8s.io}; one WebSocket per connection, as kubectl's
 * WebSocket fallback and fabric8 do).
 *
 * <p>The returned channel is the WebSocket connection itself, with a pipeline that makes it look
 * like a socket: write ByteBufs, read ByteBufs, {@code isWritable()} and autoRead are those of the
 * TCP connection to the API server, {@code close()} sends a WebSocket close (so does
 * {@code shutdownOutput()}: the protocol has no half-close). It is handed over with
 * <b>autoRead off</b>: add your handlers, then set autoRead (or call {@code read()}).
 * If the pod's runtime later reports an error (nothing listening on the port, ...), the channel
 * gets a {@link PortForwardException} through {@code exceptionCaught}, {@link #FAILURE} holds it,
 * and the channel closes.
 *
 * <p>No thread per connection: all connections share the event loops. A 401 triggers one refresh
 * of the kubeconfig credentials (exec plugins re-run on a single helper thread) and one retry.
 */
public final class PortForwardDialer implements PortForwardTransport {

    /** The runtime's error that ended a connection, if it was ended by one. */
    public static final AttributeKey<PortForwardException> FAILURE = AttributeKey.valueOf("kproxy.portforward.failure");

    /** Largest inbound WebSocket payload accepted: well above the 32 KiB kubelet copy buffer and our 64 KiB + 1. */
    static final int MAX_INBOUND_FRAME = 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long DIAL_TIMEOUT_SECONDS = 30;

    private final CredentialRefresh credentials;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final ChannelGroup channels = new DefaultChannelGroup("port-forwards", GlobalEventExecutor.INSTANCE);

    /** A dialer with its own event loops (one per core), shut down by {@link #close()}. */
    public PortForwardDialer(ClusterCredentials credentials) {
        this(credentials, new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory()), true);
    }

    /** A dialer on the caller's NIO event loops, which the caller keeps owning. */
    public PortForwardDialer(ClusterCredentials credentials, EventLoopGroup group) {
        this(credentials, group, false);
    }

    private PortForwardDialer(ClusterCredentials credentials, EventLoopGroup group, boolean ownsGroup) {
        this.credentials = new CredentialRefresh(credentials);
        this.group = group;
        this.ownsGroup = ownsGroup;
    }

    public Future<Channel> open(Target.PodTarget target) {
        return open(target.namespace(), target.pod(), target.podPort());
    }

    @Override
    public Future<Channel> open(String namespace, String pod, int port) {
        return open(namespace, pod, port, group.next());
    }

    /**
     * Opens the connection on the given event loop (e.g. the one of the inbound connection it will
     * be relayed to, so that both ends share a thread). The future completes on that loop.
     */
    @Override
    public Future<Channel> open(String namespace, String pod, int port, EventLoop loop) {
        Promise<Channel> result = loop.newPromise();
        PortForwardRequest request;
        try {
            request = new PortForwardRequest(credentials.current().apiServer(), namespace, pod, port);
        } catch (IllegalArgumentException e) {
            return result.setFailure(new PortForwardException(PortForwardException.Kind.PROTOCOL, e.getMessage()));
        }
        attempt(request, loop, result, false);
        return result;
    }

    /** Port-forward connections currently open (connecting ones included). */
    @Override
    public int openChannels() {
        return channels.size();
    }

    /** One {@code v4.channel.k8s.io} WebSocket per connection. */
    @Override
    public String describe() {
        return "websocket";
    }

    private void attempt(PortForwardRequest request, EventLoop loop, Promise<Channel> result, boolean refreshed) {
        ClusterCredentials used = credentials.current();
        Promise<Channel> dial = loop.newPromise();
        Channel channel = connect(used, request, loop, dial);
        result.addListener(f -> {
            if (f.isCancelled()) {
                channel.close();
            }
        });
        ScheduledFuture<?> timeout = loop.schedule(() -> dial.tryFailure(UpgradeRejection.noAnswerWithin(request, DIAL_TIMEOUT_SECONDS)),
                DIAL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        dial.addListener(f -> {
            timeout.cancel(false);
            if (f.isSuccess()) {
                if (!result.trySuccess(channel)) {
                    channel.close();
                }
                return;
            }
            channel.close();
            if (!refreshed && f.cause() instanceof PortForwardException e
                    && e.kind() == PortForwardException.Kind.UNAUTHORIZED && !result.isDone()) {
                refreshThenRetry(used, request, loop, result);
            } else {
                result.tryFailure(f.cause());
            }
        });
    }

    /** fabric8's TokenRefreshInterceptor does the same: re-read the kubeconfig once per 401. */
    private void refreshThenRetry(ClusterCredentials rejected, PortForwardRequest request, EventLoop loop, Promise<Channel> result) {
        credentials.refreshThen(rejected, () -> loop.execute(() -> attempt(request, loop, result, true)), result::tryFailure);
    }

    private Channel connect(ClusterCredentials used, PortForwardRequest request, EventLoop loop, Promise<Channel> dial) {
        URI uri = request.webSocketUri();
        HttpHeaders headers = new DefaultHttpHeaders();
        used.authorization().ifPresent(value -> headers.set(HttpHeaderNames.AUTHORIZATION, value));
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri, WebSocketVersion.V13,
                "v4.channel.k8s.io", false, headers, MAX_INBOUND_FRAME, true, false, 10_000L, false, false);
        String host = used.apiServer().getHost();
        int port = used.port();
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channelFactory(PortForwardSocketChannel::new)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (used.tls()) {
                            ch.pipeline().addLast("tls", used.sslContext().newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline().addLast("http", new HttpClientCodec());
                        ch.pipeline().addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
                        ch.pipeline().addLast("pf-upgrade", new PortForwardUpgradeHandler(handshaker, request, dial));
                    }
                })
                .connect(host, port);
        Channel channel = connect.channel();
        channels.add(channel);
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                dial.tryFailure(new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                        "cannot connect to the API server " + request.apiServer() + ": " + f.cause().getMessage()
                                + "; check that the cluster is up and the kubeconfig's server URL", f.cause()));
            }
        });
        return channel;
    }

    /** Closes every open port-forward, then the event loops this dialer created. */
    @Override
    public void close() {
        channels.close().awaitUninterruptibly();
        credentials.close();
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}

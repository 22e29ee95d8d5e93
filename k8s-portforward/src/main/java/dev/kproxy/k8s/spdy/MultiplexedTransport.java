package dev.kproxy.k8s.spdy;

import dev.kproxy.k8s.ClusterCredentials;
import dev.kproxy.k8s.CredentialRefresh;
import dev.kproxy.k8s.PortForwardException;
import dev.kproxy.k8s.PortForwardRequest;
import dev.kproxy.k8s.UpgradeRejection;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many port-forward connections per upgraded connection: a small pool of {@link SpdyConnection}s
 * per pod (one, plus another whenever all are full, held by a slow reader, or going away), over
 * one {@link Carrier}. A new stream costs one SPDY round trip instead of a TLS handshake and an
 * upgrade. A stream whose connection ends before the API server answered it is retried on a fresh
 * connection, so a dead connection fails only the streams that were open on it.
 *
 * <p>A caller that names its event loop ({@link #open} with {@code sameLoop}) gets a stream on a
 * connection served by that loop, dialled there if the pod has none on it yet: the stream channel
 * and the caller's own channel (the proxy's client socket) then share one thread, and relaying
 * between them is a plain method call. That is how Envoy's workers keep one upstream pool each.
 * Before this, a client on the other loop paid a task hand-off and a thread switch on every read
 * in each direction, and the tunnel moved less per stream than one WebSocket per connection
 * (docs/transport.md has the figures). The cost: up to one upgraded connection per pod and event loop in
 * use, each closed after {@link SpdyConnection#IDLE_CLOSE} without streams.
 */
final class MultiplexedTransport implements AutoCloseable {

    /**
     * Streams per upgraded connection before another one is opened for the same pod. One connection
     * is served by one event loop on each side, so many busy streams spread over a few connections
     * use more than one core (measured: 64 streams on one connection moved less than on per-stream
     * WebSockets).
     */
    static final int MAX_STREAMS_PER_CONNECTION = 32;
    static final int MAX_INBOUND_WEBSOCKET_MESSAGE = 8 * 1024 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final long OPEN_TIMEOUT_SECONDS = 30;
    private static final int RETRIES_ON_LOST_CONNECTION = 2;

    private final Carrier carrier;
    private final CredentialRefresh credentials;
    private final Map<String, List<SpdyConnection>> pool = new HashMap<>();
    private final Map<Slot, Future<SpdyConnection>> dialing = new HashMap<>();
    private final ChannelGroup connections = new DefaultChannelGroup("spdy-connections", GlobalEventExecutor.INSTANCE);
    private final ChannelGroup streams = new DefaultChannelGroup("spdy-streams", GlobalEventExecutor.INSTANCE);
    private final AtomicInteger opening = new AtomicInteger();
    private volatile boolean closed;

    MultiplexedTransport(Carrier carrier, CredentialRefresh credentials) {
        this.carrier = carrier;
        this.credentials = credentials;
    }

    Carrier carrier() {
        return carrier;
    }

    /** Stream channels open or being opened. */
    int openChannels() {
        return streams.size() + opening.get();
    }

    /** Upgraded connections currently open. */
    int connections() {
        return connections.size();
    }

    /** Where a connection is dialled: for a pod, on an event loop. */
    private record Slot(String pod, EventLoop loop) {
    }

    /**
     * Opens a stream; {@code result} completes on {@code loop}. With {@code sameLoop} the stream
     * lives on {@code loop} too; without, on whichever connection to the pod has room.
     */
    Future<Channel> open(PortForwardRequest request, EventLoop loop, boolean sameLoop) {
        Promise<Channel> result = loop.newPromise();
        opening.incrementAndGet();
        ScheduledFuture<?> timeout = loop.schedule(() -> result.tryFailure(UpgradeRejection.noAnswerWithin(request, OPEN_TIMEOUT_SECONDS)),
                OPEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        result.addListener(f -> {
            timeout.cancel(false);
            if (f.isSuccess()) {
                streams.add((Channel) f.getNow());
            }
            opening.decrementAndGet();
        });
        attempt(request, loop, sameLoop, result, RETRIES_ON_LOST_CONNECTION, false);
        return result;
    }

    private void attempt(PortForwardRequest request, EventLoop loop, boolean sameLoop, Promise<Channel> result, int retries,
            boolean refreshed) {
        if (closed) {
            result.tryFailure(new PortForwardException(PortForwardException.Kind.UNREACHABLE, "the port-forward transport is closed"));
            return;
        }
        ClusterCredentials used = credentials.current();
        connection(request, loop, sameLoop, used).addListener((Future<SpdyConnection> dialed) -> {
            if (!dialed.isSuccess()) {
                if (!refreshed && dialed.cause() instanceof PortForwardException e
                        && e.kind() == PortForwardException.Kind.UNAUTHORIZED && !result.isDone()) {
                    credentials.refreshThen(used, () -> loop.execute(() -> attempt(request, loop, sameLoop, result, retries, true)),
                            result::tryFailure);
                } else {
                    result.tryFailure(dialed.cause());
                }
                return;
            }
            SpdyConnection connection = dialed.getNow();
            EventLoop connectionLoop = connection.channel().eventLoop();
            Promise<Channel> stream = connectionLoop.newPromise();
            if (connectionLoop.inEventLoop()) {
                connection.open(request.port(), stream);
            } else {
                connectionLoop.execute(() -> connection.open(request.port(), stream));
            }
            stream.addListener((Future<Channel> opened) -> {
                if (opened.isSuccess()) {
                    if (!result.trySuccess(opened.getNow())) {
                        opened.getNow().close();
                    }
                } else if (opened.cause() instanceof ConnectionGone gone) {
                    if (retries > 0 && !result.isDone()) {
                        attempt(request, loop, sameLoop, result, retries - 1, refreshed);
                    } else {
                        result.tryFailure(new PortForwardException(PortForwardException.Kind.UNREACHABLE, gone.getMessage()));
                    }
                } else {
                    result.tryFailure(opened.cause());
                }
            });
            result.addListener(f -> {
                if (f.isCancelled() || !f.isSuccess()) {
                    stream.cancel(false);
                }
            });
        });
    }

    /**
     * A connection to the pod that takes streams (on {@code loop} if {@code sameLoop}): a pooled one,
     * the one being dialled, or a new one dialled on {@code loop}.
     */
    private synchronized Future<SpdyConnection> connection(PortForwardRequest request, EventLoop loop, boolean sameLoop,
            ClusterCredentials used) {
        String key = request.namespace() + "/" + request.pod();
        List<SpdyConnection> live = pool.computeIfAbsent(key, k -> new ArrayList<>());
        live.removeIf(c -> !c.channel().isActive());
        SpdyConnection best = null;
        for (SpdyConnection c : live) {
            // The busiest one with room: streams gather on one connection per pod and spare ones go idle and close.
            if ((!sameLoop || c.channel().eventLoop() == loop) && c.accepting() && c.streams() < MAX_STREAMS_PER_CONNECTION
                    && (best == null || c.streams() > best.streams())) {
                best = c;
            }
        }
        if (best != null) {
            return loop.newSucceededFuture(best);
        }
        Slot slot = new Slot(key, loop);
        Future<SpdyConnection> inProgress = sameLoop ? dialing.get(slot) : dialing.entrySet().stream()
                .filter(d -> d.getKey().pod().equals(key)).map(Map.Entry::getValue).findFirst().orElse(null);
        if (inProgress != null) {
            return inProgress;
        }
        Promise<SpdyConnection> dialed = loop.newPromise();
        dialing.put(slot, dialed);
        dial(request, loop, used, dialed);
        dialed.addListener((Future<SpdyConnection> f) -> {
            synchronized (this) {
                dialing.remove(slot, dialed);
                if (f.isSuccess()) {
                    SpdyConnection c = f.getNow();
                    pool.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                    c.channel().closeFuture().addListener(closed -> forget(key, c));
                }
            }
        });
        return dialed;
    }

    private synchronized void forget(String key, SpdyConnection connection) {
        List<SpdyConnection> live = pool.get(key);
        if (live != null && live.remove(connection) && live.isEmpty()) {
            pool.remove(key);
        }
    }

    private void dial(PortForwardRequest request, EventLoop loop, ClusterCredentials used, Promise<SpdyConnection> dialed) {
        String host = used.apiServer().getHost();
        int port = used.port();
        WebSocketClientHandshaker handshaker = null;
        if (carrier == Carrier.TUNNEL) {
            HttpHeaders headers = new DefaultHttpHeaders();
            used.authorization().ifPresent(value -> headers.set(HttpHeaderNames.AUTHORIZATION, value));
            handshaker = WebSocketClientHandshakerFactory.newHandshaker(request.webSocketUri(), WebSocketVersion.V13,
                    carrier.protocol(), false, headers, MAX_INBOUND_WEBSOCKET_MESSAGE, true, false, 10_000L, false, false);
        }
        SpdyUpgrader upgrader = new SpdyUpgrader(carrier, request, used.authorization(), handshaker, dialed);
        ChannelFuture connect = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
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
                        ch.pipeline().addLast("spdy-upgrade", upgrader);
                    }
                })
                .connect(host, port);
        connections.add(connect.channel());
        connect.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                dialed.tryFailure(UpgradeRejection.unreachable(f.cause(), request.apiServer()));
            }
        });
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (dialed.tryFailure(new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                    "no port-forward upgrade answer from the API server " + request.apiServer() + " within "
                            + OPEN_TIMEOUT_SECONDS + " s"))) {
                connect.channel().close();
            }
        }, OPEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        dialed.addListener(f -> timeout.cancel(false));
    }

    /** Closes every stream, then every connection (GOAWAY first, as kubectl does on exit). */
    @Override
    public void close() {
        closed = true;
        streams.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        List<SpdyConnection> all;
        synchronized (this) {
            all = pool.values().stream().flatMap(List::stream).toList();
        }
        for (SpdyConnection c : all) {
            try {
                c.channel().eventLoop().execute(c::goAway);
            } catch (RejectedExecutionException loopGone) {
                // Dialled on a caller's loop that has already stopped (its owner closed first): nothing to say goodbye on.
            }
        }
        connections.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}

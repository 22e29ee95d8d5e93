package dev.kproxy.k8s.spdy;

import dev.kproxy.k8s.ClusterCredentials;
import dev.kproxy.k8s.CredentialRefresh;
import dev.kproxy.k8s.PortForwardDialer;
import dev.kproxy.k8s.PortForwardException;
import dev.kproxy.k8s.PortForwardRequest;
import dev.kproxy.k8s.PortForwardTransport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * kproxy's port-forward transport: multiplexed SPDY where the API server offers it, one WebSocket
 * per connection where it does not. In {@link TransportMode#AUTO} the first connection negotiates,
 * as kubectl does: the WebSocket tunnel ({@code SPDY/3.1+portforward.k8s.io}, Kubernetes 1.30+),
 * then the plain {@code Upgrade: SPDY/3.1} (what proxies that only pass WebSockets strip), then
 * {@code v4.channel.k8s.io}. A refusal is a fact about the API server, so it is remembered and
 * never retried; an answer about the request (404, 403, 401) settles nothing. A pinned mode uses
 * its transport only and says so when the API server refuses it.
 */
public final class NegotiatedTransport implements PortForwardTransport {

    private final TransportMode mode;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(0, NioIoHandler.newFactory());
    private final CredentialRefresh credentials;
    private final MultiplexedTransport tunnel;
    private final MultiplexedTransport plain;
    private final PortForwardDialer websocket;
    private final Map<TransportMode, String> refusals = new LinkedHashMap<>();
    private volatile TransportMode negotiated;

    public NegotiatedTransport(ClusterCredentials credentials, TransportMode mode) {
        this.mode = mode;
        this.credentials = new CredentialRefresh(credentials);
        this.tunnel = new MultiplexedTransport(Carrier.TUNNEL, this.credentials);
        this.plain = new MultiplexedTransport(Carrier.PLAIN, this.credentials);
        this.websocket = new PortForwardDialer(credentials, group);
        this.negotiated = mode == TransportMode.AUTO ? null : mode;
    }

    @Override
    public Future<Channel> open(String namespace, String pod, int port) {
        return open(namespace, pod, port, group.next(), false);
    }

    @Override
    public Future<Channel> open(String namespace, String pod, int port, EventLoop loop) {
        return open(namespace, pod, port, loop, true);
    }

    private Future<Channel> open(String namespace, String pod, int port, EventLoop loop, boolean sameLoop) {
        PortForwardRequest request;
        try {
            request = new PortForwardRequest(credentials.current().apiServer(), namespace, pod, port);
        } catch (IllegalArgumentException e) {
            return loop.newFailedFuture(new PortForwardException(PortForwardException.Kind.PROTOCOL, e.getMessage()));
        }
        Promise<Channel> result = loop.newPromise();
        TransportMode chosen = negotiated;
        if (chosen != null) {
            openWith(chosen, request, loop, sameLoop).addListener((Future<Channel> f) -> settle(f, result, chosen));
        } else {
            negotiate(request, loop, sameLoop, result);
        }
        return result;
    }

    /** Tries the next transport not yet refused by this API server. */
    private void negotiate(PortForwardRequest request, EventLoop loop, boolean sameLoop, Promise<Channel> result) {
        TransportMode next = nextCandidate();
        openWith(next, request, loop, sameLoop).addListener((Future<Channel> f) -> {
            if (f.isSuccess()) {
                synchronized (this) {
                    if (negotiated == null) {
                        negotiated = next;
                    }
                }
                if (!result.trySuccess(f.getNow())) {
                    f.getNow().close();
                }
            } else if (f.cause() instanceof ProtocolRefused refused && next != TransportMode.WEBSOCKET) {
                synchronized (this) {
                    refusals.putIfAbsent(next, refused.getMessage());
                }
                negotiate(request, loop, sameLoop, result);
            } else {
                result.tryFailure(asPortForwardFailure(f.cause(), next));
            }
        });
    }

    private synchronized TransportMode nextCandidate() {
        for (TransportMode candidate : List.of(TransportMode.TUNNEL, TransportMode.SPDY)) {
            if (!refusals.containsKey(candidate)) {
                return candidate;
            }
        }
        return TransportMode.WEBSOCKET;
    }

    private Future<Channel> openWith(TransportMode transport, PortForwardRequest request, EventLoop loop, boolean sameLoop) {
        return switch (transport) {
            case TUNNEL -> tunnel.open(request, loop, sameLoop);
            case SPDY -> plain.open(request, loop, sameLoop);
            case WEBSOCKET, AUTO -> websocket.open(request.namespace(), request.pod(), request.port(), loop);
        };
    }

    private static void settle(Future<Channel> opened, Promise<Channel> result, TransportMode used) {
        if (opened.isSuccess()) {
            if (!result.trySuccess(opened.getNow())) {
                opened.getNow().close();
            }
        } else {
            result.tryFailure(asPortForwardFailure(opened.cause(), used));
        }
    }

    private static Throwable asPortForwardFailure(Throwable cause, TransportMode used) {
        if (cause instanceof ProtocolRefused refused) {
            return new PortForwardException(PortForwardException.Kind.PROTOCOL, "the API server does not offer the "
                    + used.label() + " port-forward transport (" + refused.getMessage() + "); use --transport auto");
        }
        return cause;
    }

    /** Stream channels and per-connection WebSockets open now (opening ones included). */
    @Override
    public int openChannels() {
        return tunnel.openChannels() + plain.openChannels() + websocket.openChannels();
    }

    /** Upgraded connections the multiplexed transports hold (the per-connection WebSockets are in openChannels). */
    public int upgradedConnections() {
        return tunnel.connections() + plain.connections();
    }

    /** The transport in use, or empty before the first connection negotiated one. */
    public Optional<TransportMode> negotiated() {
        return Optional.ofNullable(negotiated);
    }

    /**
     * {@code tunnel (negotiated)}, {@code websocket (fallback: tunnel refused 400: ..., spdy refused 400: ...)},
     * {@code spdy (pinned)}, or {@code auto (not negotiated yet)}.
     */
    @Override
    public synchronized String describe() {
        if (mode != TransportMode.AUTO) {
            return mode.label() + " (pinned)";
        }
        if (negotiated == null) {
            return "auto (not negotiated yet" + (refusals.isEmpty() ? "" : "; " + String.join(", ", refusals.values())) + ")";
        }
        if (refusals.isEmpty()) {
            return negotiated.label() + " (negotiated)";
        }
        return negotiated.label() + " (fallback: " + String.join(", ", new ArrayList<>(refusals.values())) + ")";
    }

    @Override
    public void close() {
        tunnel.close();
        plain.close();
        websocket.close();
        credentials.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}

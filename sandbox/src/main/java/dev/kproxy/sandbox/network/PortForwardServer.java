package dev.kproxy.sandbox.network;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.kproxy.sandbox.api.PortForwardEndpoint;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.concurrent.GlobalEventExecutor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The kubelet's end of {@code pods/portforward}, for pods that are local processes; the API server
 * relays each request here ({@link KubeletProxy}, {@link KubeletStreamingServer}). Checks the pod
 * and the request as the API server (pkg/registry/core/pod/strategy.go {@code PortForwardLocation})
 * and the kubelet ({@code NewV4Options}) do, then serves one of three wire protocols, relaying to
 * {@code podIP:port}: a channel WebSocket ({@code v4.channel.k8s.io} and friends, one connection
 * per requested port), SPDY/3.1 tunnelled in a WebSocket ({@code SPDY/3.1+portforward.k8s.io}) or
 * a plain {@code Upgrade: SPDY/3.1} (both SPDY modes: {@link SpdyUpgrade}).
 *
 * <p>{@code injectedLatency} makes the sandbox feel remote: the 101 is delayed by the whole latency
 * and every relayed chunk (on the SPDY paths every frame, {@link LatencyLink}) by half of it in its
 * direction, in order, so a request/response round trip through the tunnel grows by the latency.
 * The API server charges a new connection's handshakes the same way. Zero turns it off.
 *
 * <p>Pod dials use NIO sockets on the WebSocket's event loop, so the API server must run on a
 * {@code NioIoHandler} event loop group.
 */
public final class PortForwardServer implements PortForwardEndpoint, AutoCloseable {
    private final ObjectStore store;
    private final PortForwardCounters counters;
    private final Duration injectedLatency;
    /** Every upgraded connection; a group forgets a channel once it closes. */
    private final ChannelGroup open = new DefaultChannelGroup("sandbox-port-forward", GlobalEventExecutor.INSTANCE);
    private final SpdyUpgrade spdy;
    private volatile Set<String> refused = Set.of();

    public PortForwardServer(ObjectStore store, PortForwardCounters counters, Duration injectedLatency) {
        this.store = store;
        this.counters = counters;
        this.injectedLatency = injectedLatency.isNegative() ? Duration.ZERO : injectedLatency;
        this.spdy = new SpdyUpgrade(counters, this.injectedLatency, open::add);
    }

    public PortForwardCounters counters() {
        return counters;
    }

    /**
     * Refuses carriers from now on, as an API server older than 1.30 ({@code "tunnel"}: the WebSocket
     * subprotocol {@code SPDY/3.1+portforward.k8s.io} is unknown, 400) or a proxy that strips
     * {@code Upgrade: SPDY/3.1} ({@code "spdy"}: 400 "Upgrade request required") would.
     */
    public void refuse(Set<String> carriers) {
        refused = Set.copyOf(carriers);
    }

    @Override
    public void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String namespace, String podName) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        Optional<ObjectNode> found = store.get(ResourceCatalog.POD, namespace, podName);
        if (found.isEmpty()) {
            StatusReply.podNotFound(podName).send(ctx.channel(), keepAlive);
            return;
        }
        ObjectNode pod = found.get();
        JsonNode status = pod.path("status");
        String podIp = status.path("podIP").asString("");
        String phase = status.path("phase").asString("Pending");
        if (podIp.isEmpty() && phase.equals("Pending")) {
            StatusReply.badRequest("pod " + podName + " does not have a host assigned").send(ctx.channel(), keepAlive);
            return;
        }
        if (!phase.equals("Running") || podIp.isEmpty()) {
            StatusReply.badRequest("unable to forward port because pod is not running. Current status=" + phase)
                    .send(ctx.channel(), keepAlive);
            return;
        }
        PodTarget target = new PodTarget(namespace, podName, pod.path("metadata").path("uid").asString(""), podIp);
        if (!isWebSocketUpgrade(request)) {
            if (SpdyUpgrade.isSpdyUpgrade(request) && !refused.contains("spdy")) {
                spdy.plain(ctx, request, target);
            } else {
                StatusReply.badRequest("Upgrade request required").send(ctx.channel(), keepAlive);
            }
            return;
        }
        List<String> requested = requestedSubprotocols(request);
        if (SpdyUpgrade.wantsTunnel(requested) && !refused.contains("tunnel")) {
            spdy.tunnel(ctx, request, target);
            return;
        }
        PortForwardRequest ports;
        try {
            ports = PortForwardRequest.parse(request.uri());
        } catch (PortForwardRequest.Rejected e) {
            StatusReply.badRequest(e.getMessage()).send(ctx.channel(), keepAlive);
            return;
        }
        Optional<PortForwardProtocol> protocol = PortForwardProtocol.select(requested);
        if (protocol.isEmpty()) {
            StatusReply.badRequest("unable to upgrade websocket connection: requested protocol(s) are not supported: "
                    + requested + "; supports " + PortForwardProtocol.supported()).send(ctx.channel(), keepAlive);
            return;
        }
        String subprotocol = protocol.get().subprotocol().isEmpty() ? null : protocol.get().subprotocol();
        PortForwardHandshake.upgrade(ctx, request, subprotocol, injectedLatency, channel -> {
            open.add(channel);
            PortForwardSession session = new PortForwardSession(channel, target, ports, protocol.get(), counters,
                    injectedLatency);
            channel.pipeline().addLast("pf-aggregator", new WebSocketFrameAggregator(PortForwardHandshake.MAX_MESSAGE_BYTES));
            channel.pipeline().addLast("pf-frames", new WebSocketToPod(session));
            session.start();
        });
    }

    private static boolean isWebSocketUpgrade(FullHttpRequest request) {
        return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    private static List<String> requestedSubprotocols(FullHttpRequest request) {
        List<String> out = new ArrayList<>();
        for (String header : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String p : header.split(",")) {
                if (!p.isBlank()) {
                    out.add(p.trim());
                }
            }
        }
        return out;
    }

    /** Closes every open port-forward connection (and with it its pod sockets). */
    @Override
    public void close() {
        open.close();
    }
}

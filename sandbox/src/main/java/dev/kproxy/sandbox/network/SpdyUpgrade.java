package dev.kproxy.sandbox.network;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;

/**
 * Upgrades a {@code pods/portforward} request to SPDY/3.1, in either of kubectl's ways, and
 * installs a {@link SpdyPortForwardSession} behind Netty's {@link SpdyFrameCodec}:
 * <ul>
 * <li>{@link #tunnel}: a WebSocket whose subprotocol is exactly
 * {@code SPDY/3.1+portforward.k8s.io}; a {@link WebSocketByteStream} turns its binary messages
 * into the SPDY byte stream. The API server picks this whenever the client offers that
 * subprotocol (apimachinery wsstream {@code IsWebSocketRequestWithTunnelingProtocol}).</li>
 * <li>{@link #plain}: {@code Upgrade: SPDY/3.1} answered as the kubelet answers it, with
 * apimachinery/pkg/util/httpstream/httpstream.go {@code Handshake} (negotiates
 * {@code X-Stream-Protocol-Version}) and httpstream/spdy/upgrade.go {@code UpgradeResponse}.</li>
 * </ul>
 * The ports come in each stream's headers, so the {@code ports} query is not needed (the kubelet
 * ignores it for SPDY).
 */
final class SpdyUpgrade {
    /** The only port-forward stream protocol there is (kubelet portforward.ProtocolV1Name). */
    static final String STREAM_PROTOCOL = "portforward.k8s.io";
    static final String PROTOCOL_VERSION_HEADER = "X-Stream-Protocol-Version";
    static final String ACCEPTED_VERSIONS_HEADER = "X-Accepted-Stream-Protocol-Versions";

    /** kubectl's DATA frames are 32 KiB; decoding them whole saves splitting them into 8 KiB pieces. */
    private static final int MAX_DATA_CHUNK = 64 * 1024;
    private static final int MAX_HEADER_BLOCK = 16 * 1024;

    private final PortForwardCounters counters;
    private final Duration latency;
    private final Consumer<Channel> track;

    /** {@code track} gets every upgraded channel, so its owner can close it. */
    SpdyUpgrade(PortForwardCounters counters, Duration latency, Consumer<Channel> track) {
        this.counters = counters;
        this.latency = latency;
        this.track = track;
    }

    /** True when the client offers the SPDY tunnel among its WebSocket subprotocols. */
    static boolean wantsTunnel(List<String> subprotocols) {
        return subprotocols.contains(SpdyMode.TUNNEL.label());
    }

    /** True for a non-WebSocket upgrade to some SPDY version; {@link #plain} checks the rest. */
    static boolean isSpdyUpgrade(FullHttpRequest request) {
        return request.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT).startsWith("spdy/");
    }

    /** Answers the WebSocket upgrade with the tunnel subprotocol and serves SPDY inside it. */
    void tunnel(ChannelHandlerContext ctx, FullHttpRequest request, PodTarget target) {
        PortForwardHandshake.upgrade(ctx, request, SpdyMode.TUNNEL.label(), latency, channel -> {
            track.accept(channel);
            channel.pipeline().addLast("spdy-bytes", new WebSocketByteStream());
            install(channel.pipeline(), target, SpdyMode.TUNNEL);
        });
    }

    /** Answers {@code Upgrade: SPDY/3.1} with 101 (or the kubelet's refusal) and serves SPDY on the connection. */
    void plain(ChannelHandlerContext ctx, FullHttpRequest request, PodTarget target) {
        Channel channel = ctx.channel();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        List<String> offered = headerValues(request, PROTOCOL_VERSION_HEADER);
        if (offered.isEmpty()) {
            GoHttpError.send(channel, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: " + PROTOCOL_VERSION_HEADER + " is required",
                    Map.of(), keepAlive);
            return;
        }
        if (!offered.contains(STREAM_PROTOCOL)) {
            GoHttpError.send(channel, HttpResponseStatus.FORBIDDEN, "unable to upgrade: unable to negotiate protocol: client supports "
                    + goList(offered) + ", server accepts [" + STREAM_PROTOCOL + "]",
                    Map.of(ACCEPTED_VERSIONS_HEADER, STREAM_PROTOCOL), keepAlive);
            return;
        }
        String connection = request.headers().get(HttpHeaderNames.CONNECTION, "").toLowerCase(Locale.ROOT);
        String upgrade = request.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT);
        if (!connection.contains("upgrade") || !upgrade.contains("spdy/3.1")) {
            GoHttpError.send(channel, HttpResponseStatus.BAD_REQUEST, "unable to upgrade: missing upgrade headers in request", Map.of(),
                    keepAlive);
            return;
        }
        PortForwardHandshake.takeOver(ctx);
        PortForwardHandshake.afterDelay(channel, latency, () -> {
            if (!channel.isActive()) {
                return;
            }
            FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
            switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            switching.headers().set(HttpHeaderNames.UPGRADE, SpdyMode.PLAIN.label());
            switching.headers().set(PROTOCOL_VERSION_HEADER, STREAM_PROTOCOL);
            channel.writeAndFlush(switching).addListener((ChannelFutureListener) written -> {
                if (!written.isSuccess()) {
                    channel.close();
                    return;
                }
                track.accept(channel);
                replaceHttpWithSpdy(channel.pipeline(), target);
            });
        });
    }

    /**
     * Takes the HTTP codec and what follows it out and puts the SPDY handlers in. The new handlers
     * go in before the codec leaves, so bytes its decoder still holds reach the SPDY decoder.
     */
    private void replaceHttpWithSpdy(ChannelPipeline pipeline, PodTarget target) {
        List<String> http = new ArrayList<>();
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            ChannelHandler h = e.getValue();
            if (!http.isEmpty() || h instanceof HttpServerCodec || h instanceof HttpRequestDecoder || h instanceof HttpResponseEncoder) {
                http.add(e.getKey());
            }
        }
        for (String name : http.subList(Math.min(1, http.size()), http.size())) {
            pipeline.remove(name);
        }
        install(pipeline, target, SpdyMode.PLAIN);
        if (!http.isEmpty()) {
            pipeline.remove(http.get(0));
        }
    }

    private void install(ChannelPipeline pipeline, PodTarget target, SpdyMode mode) {
        LatencyLink link = new LatencyLink(latency);
        SpdyPortForwardSession session = new SpdyPortForwardSession(target, mode, counters, link);
        pipeline.addLast("spdy-codec", new SpdyFrameCodec(SpdyVersion.SPDY_3_1, MAX_DATA_CHUNK, MAX_HEADER_BLOCK, 6, 15, 8));
        if (latency.compareTo(Duration.ZERO) > 0) { // without, the link is not in the way of every frame
            pipeline.addLast("latency", link);
        }
        pipeline.addLast("spdy-session", session);
        session.start();
    }

    private static List<String> headerValues(FullHttpRequest request, String name) {
        List<String> out = new ArrayList<>();
        for (String header : request.headers().getAll(name)) {
            for (String v : header.split(",")) {
                if (!v.isBlank()) {
                    out.add(v.trim());
                }
            }
        }
        return out;
    }

    private static String goList(List<String> values) {
        return "[" + String.join(" ", values) + "]";
    }
}

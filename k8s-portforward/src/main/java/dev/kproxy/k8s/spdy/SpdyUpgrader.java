package dev.kproxy.k8s.spdy;

import dev.kproxy.k8s.MaskingFrameEncoder;
import dev.kproxy.k8s.PortForwardException;
import dev.kproxy.k8s.PortForwardRequest;
import dev.kproxy.k8s.UpgradeRejection;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.concurrent.Promise;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Asks the API server to upgrade {@code pods/{pod}/portforward} to SPDY/3.1 over one carrier and,
 * on 101, replaces itself (and the HTTP codec) with the carrier's handlers, Netty's
 * {@link SpdyFrameCodec} and a {@link SpdyConnection}. The requests are kubectl's (client-go
 * tools/portforward/tunneling_dialer.go for the tunnel; apimachinery
 * pkg/util/httpstream/spdy/roundtripper.go for the plain upgrade, a POST with
 * {@code X-Stream-Protocol-Version: portforward.k8s.io}).
 */
final class SpdyUpgrader extends SimpleChannelInboundHandler<FullHttpResponse> {

    static final String STREAM_PROTOCOL = "portforward.k8s.io";
    static final String PROTOCOL_VERSION_HEADER = "X-Stream-Protocol-Version";
    /** Largest SPDY frame chunk decoded at once (kubectl writes 32 KiB DATA frames). */
    private static final int MAX_CHUNK = 64 * 1024;
    private static final int MAX_HEADER_BLOCK = 16 * 1024;

    private final Carrier carrier;
    private final PortForwardRequest request;
    private final Optional<String> authorization;
    private final WebSocketClientHandshaker handshaker;
    private final Promise<SpdyConnection> promise;

    SpdyUpgrader(Carrier carrier, PortForwardRequest request, Optional<String> authorization,
                 WebSocketClientHandshaker handshaker, Promise<SpdyConnection> promise) {
        this.carrier = carrier;
        this.request = request;
        this.authorization = authorization;
        this.handshaker = handshaker;
        this.promise = promise;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.fireChannelActive();
        if (carrier == Carrier.TUNNEL) {
            handshaker.handshake(ctx.channel()).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    fail(ctx, unreachable(f.cause()));
                }
            });
            return;
        }
        URI uri = request.httpUri();
        FullHttpRequest post = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                uri.getRawPath(), Unpooled.EMPTY_BUFFER);
        post.headers().set(HttpHeaderNames.HOST, uri.getRawAuthority());
        post.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        post.headers().set(HttpHeaderNames.UPGRADE, Carrier.PLAIN.protocol());
        post.headers().set(PROTOCOL_VERSION_HEADER, STREAM_PROTOCOL);
        post.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
        authorization.ifPresent(value -> post.headers().set(HttpHeaderNames.AUTHORIZATION, value));
        ctx.writeAndFlush(post).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, unreachable(f.cause()));
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        int code = response.status().code();
        if (!response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            fail(ctx, UpgradeRejection.aboutTheRequest(code) ? UpgradeRejection.of(response, request)
                    : new ProtocolRefused(carrier.label() + " refused " + code + UpgradeRejection.statusMessage(response)));
            return;
        }
        ChannelPipeline pipeline = ctx.pipeline();
        SpdyConnection connection = new SpdyConnection(carrier, request.namespace() + "/" + request.pod());
        if (carrier == Carrier.TUNNEL) {
            try {
                handshaker.finishHandshake(ctx.channel(), response);
            } catch (WebSocketHandshakeException e) {
                fail(ctx, new ProtocolRefused("tunnel refused: " + e.getMessage()));
                return;
            }
            MaskingFrameEncoder.replaceIn(pipeline);
            pipeline.addAfter(ctx.name(), "spdy-bytes", new WebSocketSpdyBytes());
            pipeline.addAfter("spdy-bytes", "spdy-codec", codec());
            pipeline.addAfter("spdy-codec", "spdy-connection", connection);
            pipeline.remove(this);
        } else {
            String upgrade = response.headers().get(HttpHeaderNames.UPGRADE, "").toLowerCase(Locale.ROOT);
            String version = response.headers().get(PROTOCOL_VERSION_HEADER, "");
            if (!upgrade.contains("spdy/3.1") || !STREAM_PROTOCOL.equals(version)) {
                fail(ctx, new ProtocolRefused("spdy refused: 101 for '" + upgrade + "', stream protocol '" + version + "'"));
                return;
            }
            // The SPDY handlers go in before the HTTP codec leaves, so bytes it still holds reach them.
            pipeline.addAfter(ctx.name(), "spdy-codec", codec());
            pipeline.addAfter("spdy-codec", "spdy-connection", connection);
            pipeline.remove(this);
            pipeline.remove("http-aggregator");
            pipeline.remove("http");
        }
        if (!promise.trySuccess(connection)) {
            ctx.close();
        }
    }

    private static SpdyFrameCodec codec() {
        return new SpdyFrameCodec(SpdyVersion.SPDY_3_1, MAX_CHUNK, MAX_HEADER_BLOCK, 6, 15, 8);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        promise.tryFailure(UpgradeRejection.closedBeforeAnswer(request.apiServer()));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, unreachable(cause));
    }

    private PortForwardException unreachable(Throwable cause) {
        return UpgradeRejection.unreachable(cause, request.apiServer());
    }

    private void fail(ChannelHandlerContext ctx, Throwable failure) {
        promise.tryFailure(failure);
        ctx.close();
    }
}

package dev.kproxy.sandbox.network;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * Turns the API server's HTTP connection into a port-forward WebSocket: takes the API server's
 * handlers out of the pipeline (the connection is ours from now on), answers 101 with exactly the
 * negotiated subprotocol, and hands the channel to whoever installs the frame handlers (the channel
 * protocols or the SPDY tunnel).
 */
final class PortForwardHandshake {
    /**
     * Largest message accepted, after reassembling fragments. Clients send up to 64 KiB + 1 per
     * message (fabric8, client-go); base64 grows that by a third. Generous, and still bounded.
     */
    static final int MAX_MESSAGE_BYTES = 1 << 20;

    private PortForwardHandshake() {
    }

    /**
     * Removes {@code ctx}'s handler and every handler after it, then (after {@code delay}, the
     * injected latency) answers the upgrade with {@code subprotocol} (null for none). Once the 101
     * is written, {@code onUpgraded} installs its handlers on the channel, which still has auto-read
     * off; on a failed handshake the reply has been sent already.
     */
    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String subprotocol, Duration delay,
                        Consumer<Channel> onUpgraded) {
        Channel channel = ctx.channel();
        // Copy what the handshake reads: the caller releases the request when upgrade() returns.
        FullHttpRequest copy = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers().copy(), request.trailingHeaders().copy());
        takeOver(ctx);
        afterDelay(channel, delay, () -> handshake(channel, copy, subprotocol, onUpgraded));
    }

    /** Runs {@code answer} on the channel's event loop after the injected latency (at once for zero). */
    static void afterDelay(Channel channel, Duration delay, Runnable answer) {
        if (delay.isZero() || delay.isNegative()) {
            answer.run();
        } else {
            channel.eventLoop().schedule(answer, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Stops reading and removes {@code ctx}'s handler and every handler after it: the API server's
     * routing is done, and the connection now belongs to a port-forward protocol.
     */
    static void takeOver(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(false);
        removeFrom(ctx.channel().pipeline(), ctx.name());
    }

    /** Removes the handler named {@code first} and every handler after it. */
    static void removeFrom(ChannelPipeline pipeline, String first) {
        List<String> names = new ArrayList<>();
        boolean found = false;
        for (Map.Entry<String, ChannelHandler> e : pipeline) {
            found |= e.getKey().equals(first);
            if (found) {
                names.add(e.getKey());
            }
        }
        for (String name : names) {
            pipeline.remove(name);
        }
    }

    private static void handshake(Channel channel, FullHttpRequest request, String subprotocol,
                                  Consumer<Channel> onUpgraded) {
        if (!channel.isActive()) {
            return;
        }
        String url = "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri();
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .allowExtensions(false)
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, subprotocol, config)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(channel);
            return;
        }
        try {
            handshaker.handshake(channel, request, null, channel.newPromise()).addListener(done -> {
                if (!done.isSuccess()) {
                    channel.close();
                    return;
                }
                onUpgraded.accept(channel);
            });
        } catch (WebSocketHandshakeException e) {
            StatusReply.badRequest("unable to upgrade connection: " + e.getMessage()).send(channel, false);
        }
    }
}

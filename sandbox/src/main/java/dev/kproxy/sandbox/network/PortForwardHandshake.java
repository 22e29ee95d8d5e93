package dev.kproxy.sandbox.network;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * Turns the API server's HTTP connection into a port-forward WebSocket: takes the API server's
 * handlers out of the pipeline (the connection is ours from now on), answers 101 with exactly the
 * negotiated subprotocol, and installs the frame handlers.
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
     * injected latency) answers the upgrade. Once the 101 is written, {@code sessions} makes the
     * session for the channel, its frame handler is installed and the session starts; on a failed
     * handshake the reply has been sent already.
     */
    static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, PortForwardProtocol protocol, Duration delay,
                        Function<Channel, PortForwardSession> sessions) {
        Channel channel = ctx.channel();
        channel.config().setAutoRead(false);
        // Copy what the handshake reads: the caller releases the request when upgrade() returns.
        FullHttpRequest copy = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                Unpooled.EMPTY_BUFFER, request.headers().copy(), request.trailingHeaders().copy());
        removeFrom(channel.pipeline(), ctx.name());
        Runnable answer = () -> handshake(channel, copy, protocol, sessions);
        if (delay.isZero() || delay.isNegative()) {
            answer.run();
        } else {
            channel.eventLoop().schedule(answer, delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private static void removeFrom(ChannelPipeline pipeline, String first) {
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

    private static void handshake(Channel channel, FullHttpRequest request, PortForwardProtocol protocol,
                                  Function<Channel, PortForwardSession> sessions) {
        if (!channel.isActive()) {
            return;
        }
        String url = "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + request.uri();
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .allowExtensions(false)
                .build();
        String subprotocol = protocol.subprotocol().isEmpty() ? null : protocol.subprotocol();
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
                PortForwardSession session = sessions.apply(channel);
                channel.pipeline().addLast("pf-aggregator", new WebSocketFrameAggregator(MAX_MESSAGE_BYTES));
                channel.pipeline().addLast("pf-frames", new WebSocketToPod(session));
                session.start();
            });
        } catch (WebSocketHandshakeException e) {
            StatusReply.badRequest("unable to upgrade connection: " + e.getMessage()).send(channel, false);
        }
    }
}

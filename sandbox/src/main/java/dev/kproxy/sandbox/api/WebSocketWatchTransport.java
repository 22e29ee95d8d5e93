package dev.kproxy.sandbox.api;

import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;

/**
 * A watch over WebSocket, which fabric8 tries first (WatchConnectionManager): one text message per
 * event, the same JSON the chunked form sends (apiserver/pkg/endpoints/handlers/watch.go HandleWS).
 * The server speaks only after the handshake and reads nothing but control frames.
 */
final class WebSocketWatchTransport implements WatchTransport {
    private final ChannelHandlerContext ctx;
    private final WebSocketServerHandshaker handshaker;
    private final AtomicBoolean ended = new AtomicBoolean();

    private WebSocketWatchTransport(ChannelHandlerContext ctx, WebSocketServerHandshaker handshaker) {
        this.ctx = ctx;
        this.handshaker = handshaker;
    }

    /** Answers the upgrade; null (after replying 400 with the supported versions) when it cannot. */
    static WebSocketWatchTransport upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        String url = "wss://" + request.headers().get("Host", "localhost") + request.uri();
        // "*": echo whatever subprotocol the client offers; watch frames do not depend on it.
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(url, "*", false, 1 << 20)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return null;
        }
        WebSocketWatchTransport transport = new WebSocketWatchTransport(ctx, handshaker);
        handshaker.handshake(ctx.channel(), request);
        ctx.pipeline().addLast("watch-control-frames", transport.new ControlFrames());
        return transport;
    }

    @Override
    public void send(byte[] event) {
        if (!ended.get()) {
            ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(event)));
        }
    }

    @Override
    public void end() {
        if (ended.compareAndSet(false, true)) {
            handshaker.close(ctx.channel(), new CloseWebSocketFrame(1000, "watch ended"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void onClientGone(Runnable action) {
        ctx.channel().closeFuture().addListener(f -> action.run());
    }

    /** Answers pings and close frames; a watch client has nothing else to say. */
    private final class ControlFrames extends SimpleChannelInboundHandler<WebSocketFrame> {
        @Override
        protected void channelRead0(ChannelHandlerContext c, WebSocketFrame frame) {
            if (frame instanceof PingWebSocketFrame) {
                c.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame) {
                if (ended.compareAndSet(false, true)) {
                    handshaker.close(c.channel(), (CloseWebSocketFrame) frame.retain())
                            .addListener(ChannelFutureListener.CLOSE);
                }
            }
        }
    }
}

package dev.kproxy.k8s;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.util.concurrent.Promise;


/**
 * Sends the WebSocket upgrade for {@code pods/{pod}/portforward} and reads the answer: on 101 it
 * installs the {@code v4.channel.k8s.io} handlers in its own place; any other status fails the dial
 * with a one-line {@link PortForwardException} saying what is wrong and what to do.
 */
final class PortForwardUpgradeHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final WebSocketClientHandshaker handshaker;
    private final PortForwardRequest request;
    private final Promise<Channel> promise;

    PortForwardUpgradeHandler(WebSocketClientHandshaker handshaker, PortForwardRequest request, Promise<Channel> promise) {
        this.handshaker = handshaker;
        this.request = request;
        this.promise = promise;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshaker.handshake(ctx.channel()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, unreachable(f.cause()));
            }
        });
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (!response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            fail(ctx, UpgradeRejection.of(response, request));
            return;
        }
        try {
            handshaker.finishHandshake(ctx.channel(), response);
        } catch (WebSocketHandshakeException e) {
            fail(ctx, new PortForwardException(PortForwardException.Kind.PROTOCOL,
                    "the API server's port-forward upgrade is not v4.channel.k8s.io: " + e.getMessage()));
            return;
        }
        MaskingFrameEncoder.replaceIn(ctx.pipeline());
        ctx.pipeline().addAfter(ctx.name(), "pf-prefix", new PortPrefixHandler(request.port(), promise));
        ctx.pipeline().addAfter(ctx.name(), "pf-encoder", new ChannelFrameEncoder());
        ctx.pipeline().addAfter(ctx.name(), "pf-decoder", new ChannelFrameDecoder());
        ctx.pipeline().remove(this);
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

    private void fail(ChannelHandlerContext ctx, PortForwardException failure) {
        promise.tryFailure(failure);
        ctx.close();
    }
}

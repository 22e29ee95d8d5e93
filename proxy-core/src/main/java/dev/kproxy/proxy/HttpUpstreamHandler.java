package dev.kproxy.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upstream side of a forwarded HTTP exchange: passes decoded responses and connection events to
 * the client's {@link HttpProxyHandler}, on the client's event loop (a dialer may hand back a
 * channel living on another loop).
 */
final class HttpUpstreamHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpUpstreamHandler.class);

    private final HttpProxyHandler owner;
    private final EventLoop clientLoop;

    HttpUpstreamHandler(HttpProxyHandler owner, EventLoop clientLoop) {
        this.owner = owner;
        this.clientLoop = clientLoop;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpObject object) {
            onClientLoop(() -> owner.upstreamRead(ctx.channel(), object));
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        onClientLoop(owner::flushClient);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        onClientLoop(() -> owner.upstreamWritabilityChanged(ctx.channel()));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        onClientLoop(() -> owner.upstreamClosed(ctx.channel()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("http upstream {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }

    private void onClientLoop(Runnable task) {
        if (clientLoop.inEventLoop()) {
            task.run();
        } else {
            clientLoop.execute(task);
        }
    }
}

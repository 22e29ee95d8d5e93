package dev.kproxy.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a client that has not finished its proxy request in time. The protocol handler removes
 * it (via {@link #finished}) once the request is complete; removal cancels the timer.
 */
final class HandshakeDeadline extends ChannelHandlerAdapter {

    static final String NAME = "handshake-deadline";

    private final Duration timeout;
    private ScheduledFuture<?> timer;

    HandshakeDeadline(Duration timeout) {
        this.timeout = timeout;
    }

    static void finished(Channel channel) {
        if (channel.pipeline().get(NAME) != null) {
            channel.pipeline().remove(NAME);
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}

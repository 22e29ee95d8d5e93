package dev.kproxy.sandbox.api;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * What a new connection to a remote API server costs before its first request: a TCP handshake
 * (one round trip) and TLS 1.3's (one more), so the server's first TLS flight reaches the client
 * two round trips after it started to connect. On loopback both are free, which would let a
 * client that opens a connection per port-forward (fabric8, {@code v4.channel.k8s.io}) pass for
 * as fast as one that reuses a connection. This holds the server's first writes until two round
 * trips after the accept, then steps aside; later round trips on the connection (the upgrade's,
 * the port-forward's frames) are the port-forward server's to delay.
 */
final class ConnectionSetupLatency extends ChannelOutboundHandlerAdapter {

    private record Held(Object msg, ChannelPromise promise) {
    }

    private final long releaseAtNanos;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private boolean scheduled;

    ConnectionSetupLatency(Duration roundTrip) {
        this.releaseAtNanos = System.nanoTime() + 2 * roundTrip.toNanos();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        held.addLast(new Held(msg, promise));
        if (!scheduled) {
            scheduled = true;
            ctx.executor().schedule(() -> release(ctx), Math.max(0, releaseAtNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        // The held writes are flushed when they are released.
    }

    private void release(ChannelHandlerContext ctx) {
        if (ctx.isRemoved()) {
            return;
        }
        for (Held h; (h = held.pollFirst()) != null; ) {
            ctx.write(h.msg(), h.promise());
        }
        ctx.flush();
        ctx.pipeline().remove(this);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // Closed before the release: what was held never leaves.
        for (Held h; (h = held.pollFirst()) != null; ) {
            ReferenceCountUtil.release(h.msg());
            h.promise().tryFailure(new ClosedChannelException());
        }
    }
}

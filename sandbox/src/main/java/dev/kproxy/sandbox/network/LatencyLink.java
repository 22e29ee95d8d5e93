package dev.kproxy.sandbox.network;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * Makes an upgraded SPDY connection feel as far away as a real cluster: every frame waits half the
 * injected latency in its direction, in order, whatever its kind. So a SYN_STREAM and its
 * SYN_REPLY take a round trip, as on a real network, not only the DATA frames: a client that waits
 * for each SYN_REPLY before it sends (kubectl does, twice per connection) pays for it, and one that
 * does not is not charged for waits it skips.
 *
 * <p>Frames still on their way count toward backpressure ({@link #pendingInbound()},
 * {@link #pendingOutbound()}, read by {@link SpdyPortForwardSession#refreshFlow()}), so a delay
 * never becomes an unbounded buffer. After each batch it delivers, the link fires {@link #DELIVERED}
 * so the session can re-derive what may be read. With a zero latency every frame passes at once.
 */
final class LatencyLink extends ChannelDuplexHandler {

    /** Fired inbound after frames were delivered in either direction. */
    static final Object DELIVERED = new Object() {
        @Override
        public String toString() {
            return "LatencyLink.DELIVERED";
        }
    };

    private record InFlight(long dueNanos, Object frame, ChannelPromise promise) {
    }

    private final long oneWayNanos;
    private final ArrayDeque<InFlight> inbound = new ArrayDeque<>();
    private final ArrayDeque<InFlight> outbound = new ArrayDeque<>();
    private long pendingInbound;
    private long pendingOutbound;
    private boolean inboundScheduled;
    private boolean outboundScheduled;

    /** {@code roundTrip}: what a frame and its answer add together, half each way. */
    LatencyLink(Duration roundTrip) {
        this.oneWayNanos = Math.max(0, roundTrip.toNanos() / 2);
    }

    long pendingInbound() {
        return pendingInbound;
    }

    long pendingOutbound() {
        return pendingOutbound;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (oneWayNanos == 0) {
            ctx.fireChannelRead(msg);
            return;
        }
        inbound.addLast(new InFlight(System.nanoTime() + oneWayNanos, msg, null));
        pendingInbound += bytes(msg);
        scheduleInbound(ctx);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (oneWayNanos == 0) {
            ctx.fireChannelReadComplete();
        }
        // Delayed: fired after the frames it would complete are delivered.
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (oneWayNanos == 0) {
            ctx.write(msg, promise);
            return;
        }
        outbound.addLast(new InFlight(System.nanoTime() + oneWayNanos, msg, promise));
        pendingOutbound += bytes(msg);
        scheduleOutbound(ctx);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (oneWayNanos == 0) {
            ctx.flush();
        }
        // Delayed: each delivered batch is flushed.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // The connection is gone: frames still on their way are lost, as on a network.
        discard(inbound);
        discard(outbound);
        pendingInbound = 0;
        pendingOutbound = 0;
        ctx.fireChannelInactive();
    }

    private void scheduleInbound(ChannelHandlerContext ctx) {
        InFlight head = inbound.peekFirst();
        if (!inboundScheduled && head != null) {
            inboundScheduled = true;
            ctx.executor().schedule(() -> deliverInbound(ctx), Math.max(0, head.dueNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void scheduleOutbound(ChannelHandlerContext ctx) {
        InFlight head = outbound.peekFirst();
        if (!outboundScheduled && head != null) {
            outboundScheduled = true;
            ctx.executor().schedule(() -> deliverOutbound(ctx), Math.max(0, head.dueNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    private void deliverInbound(ChannelHandlerContext ctx) {
        inboundScheduled = false;
        long now = System.nanoTime();
        boolean delivered = false;
        while (!inbound.isEmpty() && inbound.peekFirst().dueNanos() <= now) {
            InFlight next = inbound.pollFirst();
            pendingInbound -= bytes(next.frame());
            delivered = true;
            ctx.fireChannelRead(next.frame());
        }
        scheduleInbound(ctx);
        if (delivered) {
            ctx.fireChannelReadComplete();
            ctx.fireUserEventTriggered(DELIVERED);
        }
    }

    private void deliverOutbound(ChannelHandlerContext ctx) {
        outboundScheduled = false;
        long now = System.nanoTime();
        boolean delivered = false;
        while (!outbound.isEmpty() && outbound.peekFirst().dueNanos() <= now) {
            InFlight next = outbound.pollFirst();
            pendingOutbound -= bytes(next.frame());
            delivered = true;
            ctx.write(next.frame(), next.promise());
        }
        scheduleOutbound(ctx);
        if (delivered) {
            ctx.flush();
            ctx.fireUserEventTriggered(DELIVERED);
        }
    }

    private static void discard(ArrayDeque<InFlight> frames) {
        for (InFlight f; (f = frames.pollFirst()) != null; ) {
            ReferenceCountUtil.release(f.frame());
            if (f.promise() != null) {
                f.promise().tryFailure(new java.nio.channels.ClosedChannelException());
            }
        }
    }

    private static long bytes(Object frame) {
        return frame instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}

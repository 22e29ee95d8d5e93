package dev.kproxy.sandbox.network;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

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
 * so the session can re-derive what may be read. {@link SpdyUpgrade} puts it in the pipeline only
 * when there is a latency to inject; out of it, its backlogs stay zero.
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

    /** One direction: frames in order, each due half a round trip after it entered. */
    private final class Lane {
        private final ArrayDeque<InFlight> frames = new ArrayDeque<>();
        private final BiConsumer<ChannelHandlerContext, InFlight> deliver;
        private final Consumer<ChannelHandlerContext> afterBatch;
        private long pending;
        private boolean scheduled;

        Lane(BiConsumer<ChannelHandlerContext, InFlight> deliver, Consumer<ChannelHandlerContext> afterBatch) {
            this.deliver = deliver;
            this.afterBatch = afterBatch;
        }

        void add(ChannelHandlerContext ctx, Object frame, ChannelPromise promise) {
            frames.addLast(new InFlight(System.nanoTime() + oneWayNanos, frame, promise));
            pending += bytes(frame);
            schedule(ctx);
        }

        private void schedule(ChannelHandlerContext ctx) {
            InFlight head = frames.peekFirst();
            if (!scheduled && head != null) {
                scheduled = true;
                ctx.executor().schedule(() -> drain(ctx), Math.max(0, head.dueNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }

        private void drain(ChannelHandlerContext ctx) {
            scheduled = false;
            long now = System.nanoTime();
            boolean delivered = false;
            while (!frames.isEmpty() && frames.peekFirst().dueNanos() <= now) {
                InFlight next = frames.pollFirst();
                pending -= bytes(next.frame());
                delivered = true;
                deliver.accept(ctx, next);
            }
            schedule(ctx);
            if (delivered) {
                afterBatch.accept(ctx);
                ctx.fireUserEventTriggered(DELIVERED);
            }
        }

        /** The connection is gone: frames still on their way are lost, as on a network. */
        void discard() {
            for (InFlight f; (f = frames.pollFirst()) != null; ) {
                ReferenceCountUtil.release(f.frame());
                if (f.promise() != null) {
                    f.promise().tryFailure(new ClosedChannelException());
                }
            }
            pending = 0;
        }
    }

    private final long oneWayNanos;
    private final Lane inbound = new Lane((ctx, f) -> ctx.fireChannelRead(f.frame()), ChannelHandlerContext::fireChannelReadComplete);
    private final Lane outbound = new Lane((ctx, f) -> ctx.write(f.frame(), f.promise()), ChannelHandlerContext::flush);

    /** {@code roundTrip}: what a frame and its answer add together, half each way. */
    LatencyLink(Duration roundTrip) {
        this.oneWayNanos = Math.max(0, roundTrip.toNanos() / 2);
    }

    long pendingInbound() {
        return inbound.pending;
    }

    long pendingOutbound() {
        return outbound.pending;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        inbound.add(ctx, msg, null);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Delayed: fired after the frames it would complete are delivered.
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        outbound.add(ctx, msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        // Delayed: each delivered batch is flushed.
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        inbound.discard();
        outbound.discard();
        ctx.fireChannelInactive();
    }

    private static long bytes(Object frame) {
        return frame instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }
}

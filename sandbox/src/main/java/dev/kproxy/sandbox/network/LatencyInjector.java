package dev.kproxy.sandbox.network;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.EventExecutor;

/**
 * Delays deliveries in one direction by a fixed amount, in submission order, to make the sandbox
 * feel like a remote cluster. With a zero delay a delivery runs at once. Confined to one event
 * loop. The bytes still waiting count toward the backpressure limit, so a delay never turns into
 * an unbounded buffer.
 */
final class LatencyInjector {
    private record Pending(long dueNanos, long bytes, Runnable delivery) {
    }

    private final EventExecutor loop;
    private final long delayNanos;
    private final Runnable afterDelivery;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private long pendingBytes;
    private boolean scheduled;

    LatencyInjector(EventExecutor loop, Duration delay, Runnable afterDelivery) {
        this.loop = loop;
        this.delayNanos = Math.max(0, delay.toNanos());
        this.afterDelivery = afterDelivery;
    }

    /** Runs {@code delivery} after the delay and after every earlier submission. */
    void submit(long bytes, Runnable delivery) {
        if (delayNanos == 0 && queue.isEmpty()) {
            delivery.run();
            return;
        }
        queue.addLast(new Pending(System.nanoTime() + delayNanos, bytes, delivery));
        pendingBytes += bytes;
        scheduleHead();
    }

    /** Bytes submitted and not yet delivered. */
    long pendingBytes() {
        return pendingBytes;
    }

    private void scheduleHead() {
        Pending head = queue.peekFirst();
        if (scheduled || head == null) {
            return;
        }
        scheduled = true;
        loop.schedule(this::drain, Math.max(0, head.dueNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void drain() {
        scheduled = false;
        long now = System.nanoTime();
        while (!queue.isEmpty() && queue.peekFirst().dueNanos() <= now) {
            Pending p = queue.pollFirst();
            pendingBytes -= p.bytes();
            p.delivery().run();
        }
        scheduleHead();
        afterDelivery.run();
    }
}

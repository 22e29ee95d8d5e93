package dev.kproxy.proxy;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of one {@link ProxyServer}, read by {@code kproxy status}. Thread-safe. */
public final class ProxyStats {

    /** One failed proxy request: when, which protocol, and the one-line reason the client got. */
    public record RecentError(Instant at, ProxyProtocol protocol, String message) {
    }

    /** Bounds memory when a client tries many distinct destinations. */
    private static final int MAX_DESTINATIONS = 256;

    private final int errorsPerDestination;
    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder total = new LongAdder();
    private final LongAdder bytesToUpstream = new LongAdder();
    private final LongAdder bytesToClient = new LongAdder();
    /** Access-ordered so the least recently failing destination is dropped first. */
    private final LinkedHashMap<String, Deque<RecentError>> errors = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<RecentError>> eldest) {
            return size() > MAX_DESTINATIONS;
        }
    };

    ProxyStats(int errorsPerDestination) {
        this.errorsPerDestination = errorsPerDestination;
    }

    /** Client connections currently open. */
    public int openConnections() {
        return open.get();
    }

    /** Client connections accepted since start. */
    public long totalConnections() {
        return total.sum();
    }

    /** Bytes relayed from clients to destinations (request bodies and tunnel bytes, after handshakes). */
    public long bytesToUpstream() {
        return bytesToUpstream.sum();
    }

    /** Bytes relayed from destinations to clients. */
    public long bytesToClient() {
        return bytesToClient.sum();
    }

    /** Recent errors per destination ({@code host:port}), oldest first within each list. */
    public synchronized Map<String, List<RecentError>> recentErrors() {
        Map<String, List<RecentError>> copy = new LinkedHashMap<>();
        errors.forEach((destination, list) -> copy.put(destination, List.copyOf(new ArrayList<>(list))));
        return copy;
    }

    void connectionOpened() {
        open.incrementAndGet();
        total.increment();
    }

    void connectionClosed() {
        open.decrementAndGet();
    }

    void addBytesToUpstream(long bytes) {
        bytesToUpstream.add(bytes);
    }

    void addBytesToClient(long bytes) {
        bytesToClient.add(bytes);
    }

    synchronized void recordError(Destination destination, String message) {
        Deque<RecentError> list = errors.computeIfAbsent(destination.hostAndPort(), key -> new ArrayDeque<>());
        list.addLast(new RecentError(Instant.now(), destination.protocol(), message));
        while (list.size() > errorsPerDestination) {
            list.removeFirst();
        }
    }

    @Override
    public String toString() {
        return "open=" + openConnections() + " total=" + totalConnections()
                + " up=" + bytesToUpstream() + "B down=" + bytesToClient() + "B";
    }
}

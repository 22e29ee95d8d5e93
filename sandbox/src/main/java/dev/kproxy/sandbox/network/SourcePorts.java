package dev.kproxy.sandbox.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Source ports for pod dials, handed out in turn from above the kernel's ephemeral range.
 *
 * <p>Why: a pod dial binds the pod IP before it connects ({@link PodDialer}). With port 0 the
 * kernel picks the port at bind time among ports no socket on that address holds, TIME_WAIT ones
 * included, and a port taken by {@code bind()} is one {@code connect()} will not share: past half
 * the range's worth of dials a minute each bind scans for about a millisecond, and past all of it
 * every plain {@code connect()} on the machine fails with "Cannot assign requested address"
 * (docs/sandbox.md has the figures). Ports above the range are ones no autobind uses; with
 * {@code SO_REUSEADDR} a port still in TIME_WAIT can be bound again, and loopback's
 * {@code tcp_tw_reuse} lets the same four-tuple be reused after a second.
 */
final class SourcePorts {
    /** Fewer ports than this above the range: not worth it, the kernel picks. */
    static final int MINIMUM = 1024;
    private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");

    private final int first;
    private final int count;
    private final AtomicInteger turn;

    /** Starting anywhere in the range: sandboxes started one after the other do not reuse the same ports first. */
    SourcePorts(int first, int last) {
        this(first, last, ThreadLocalRandom.current().nextInt(Math.max(1, last - first + 1)));
    }

    /** Starting at {@code first + start}. */
    SourcePorts(int first, int last, int start) {
        this.first = first;
        this.count = Math.max(0, last - first + 1);
        this.turn = new AtomicInteger(start);
    }

    /** Above the ephemeral range Linux reports; none where it reports nothing (macOS) or leaves too little. */
    static SourcePorts aboveEphemeralRange() {
        try {
            // Not readString: procfs reports a size of 0, and the JDK then reads a single byte.
            String[] range = Files.readAllLines(RANGE).get(0).trim().split("\\s+");
            int first = Integer.parseInt(range[range.length - 1]) + 1;
            return first + MINIMUM - 1 <= 65535 ? new SourcePorts(first, 65535) : none();
        } catch (IOException | RuntimeException unknown) {
            return none();
        }
    }

    static SourcePorts none() {
        return new SourcePorts(0, -1);
    }

    /** The next port to try, or 0 (the kernel picks) when there is no range. */
    int next() {
        return count == 0 ? 0 : first + Math.floorMod(turn.getAndIncrement(), count);
    }
}

package dev.kproxy.sandbox.admission;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Hands out NodePorts from the default range 30000-32767. As with ClusterIPs (KEP-3668), automatic
 * allocations start above a low band kept for requested ports and walk upward. Not thread-safe:
 * {@link ServiceAllocation} serialises every use.
 */
final class NodePortAllocator {
    static final int FIRST = 30000;
    static final int LAST = 32767;
    /** KEP-3668: min(max(16, size/32), 128) ports at the bottom of the range prefer static requests. */
    private static final int STATIC_BAND = 86;

    private final Set<Integer> allocated = new HashSet<>();
    private int cursor = FIRST + STATIC_BAND;

    /** @return empty on success, else the API server's reason */
    Optional<String> allocate(int port, IntPredicate takenElsewhere) {
        if (port < FIRST || port > LAST) {
            return Optional.of("provided port is not in the valid range. The range of valid ports is " + FIRST + "-" + LAST);
        }
        if (allocated.contains(port) || takenElsewhere.test(port)) {
            return Optional.of("provided port is already allocated");
        }
        allocated.add(port);
        return Optional.empty();
    }

    /** The next free port, wrapping around the range; empty when every port is taken. */
    Optional<Integer> allocateNext(IntPredicate takenElsewhere) {
        for (int tried = 0; tried <= LAST - FIRST; tried++) {
            int port = cursor;
            cursor = cursor == LAST ? FIRST : cursor + 1;
            if (!allocated.contains(port) && !takenElsewhere.test(port)) {
                allocated.add(port);
                return Optional.of(port);
            }
        }
        return Optional.empty();
    }

    void release(int port) {
        allocated.remove(port);
    }
}

package dev.kproxy.sandbox.admission;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Hands out Service ClusterIPs from 10.96.0.0/12, the kubeadm default service CIDR. The network
 * and broadcast addresses are never used; the first address is the {@code kubernetes} Service's.
 * Automatic allocations start above the low band that KEP-3070 keeps for requested IPs (so a
 * manifest asking for 10.96.0.10 finds it free) and walk upward, so a freed IP is not handed out
 * again soon. Not thread-safe: {@link ServiceAllocation} serialises every use.
 */
final class ClusterIpAllocator {
    static final String CIDR = "10.96.0.0/12";
    static final String KUBERNETES_SERVICE_IP = "10.96.0.1";
    private static final long BASE = toLong("10.96.0.0");
    private static final long SIZE = 1L << 20;
    /** KEP-3070: min(max(16, size/16), 256) addresses at the bottom of the range prefer static requests. */
    private static final long STATIC_BAND = 256;

    private final Set<Long> allocated = new HashSet<>();
    private long cursor = STATIC_BAND;

    /**
     * Reserves {@code ip}.
     *
     * @param takenElsewhere IPs in use by stored objects this allocator may not have seen
     * @return empty on success, else why not, worded as the API server's allocator words it
     */
    Optional<String> allocate(String ip, Predicate<String> takenElsewhere) {
        long offset = toLong(ip) - BASE;
        if (offset <= 0 || offset >= SIZE - 1) {
            return Optional.of("failed to allocate IP " + ip + ": the provided IP (" + ip
                    + ") is not in the valid range. The range of valid IPs is " + CIDR);
        }
        if (allocated.contains(offset) || takenElsewhere.test(ip)) {
            return Optional.of("failed to allocate IP " + ip + ": provided IP is already allocated");
        }
        allocated.add(offset);
        return Optional.empty();
    }

    /** The next free IP above the static band, wrapping around; empty when the range is full. */
    Optional<String> allocateNext(Predicate<String> takenElsewhere) {
        for (long tried = 0; tried < SIZE - STATIC_BAND - 1; tried++) {
            long offset = cursor;
            cursor = cursor + 1 >= SIZE - 1 ? STATIC_BAND : cursor + 1;
            String ip = toIp(BASE + offset);
            if (!allocated.contains(offset) && !takenElsewhere.test(ip)) {
                allocated.add(offset);
                return Optional.of(ip);
            }
        }
        return Optional.empty();
    }

    void release(String ip) {
        if (ServiceValidator.isIpv4(ip)) {
            allocated.remove(toLong(ip) - BASE);
        }
    }

    private static long toLong(String ip) {
        long value = 0;
        for (String part : ip.split("\\.")) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    private static String toIp(long value) {
        return ((value >> 24) & 255) + "." + ((value >> 16) & 255) + "." + ((value >> 8) & 255) + "." + (value & 255);
    }
}

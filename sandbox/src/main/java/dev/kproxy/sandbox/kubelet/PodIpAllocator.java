package dev.kproxy.sandbox.kubelet;

import java.util.BitSet;

/**
 * Hands out pod IPs from 127.244.0.0/16. Linux routes all of 127.0.0.0/8 to the loopback
 * interface, so every address here is bindable without root and each pod gets its own port space.
 * .0.0, .0.1 and .255.255 are skipped (network, "gateway", broadcast), as a CNI's host-local IPAM would.
 */
final class PodIpAllocator {
    private static final int FIRST = 2;
    private static final int LAST = 0xFFFE;

    private final BitSet used = new BitSet(LAST + 1);
    private int next = FIRST;

    /** The lowest free address after the last one handed out, wrapping around so released IPs are reused late. */
    synchronized String allocate() {
        for (int i = 0; i <= LAST - FIRST; i++) {
            int candidate = FIRST + ((next - FIRST + i) % (LAST - FIRST + 1));
            if (!used.get(candidate)) {
                used.set(candidate);
                next = candidate + 1 > LAST ? FIRST : candidate + 1;
                return "127.244." + (candidate >> 8) + "." + (candidate & 0xFF);
            }
        }
        throw new IllegalStateException("no free pod IP left in 127.244.0.0/16: delete some pods");
    }

    synchronized void release(String ip) {
        if (ip == null || !ip.startsWith("127.244.")) {
            return;
        }
        String[] parts = ip.split("\\.");
        used.clear(Integer.parseInt(parts[2]) << 8 | Integer.parseInt(parts[3]));
    }
}

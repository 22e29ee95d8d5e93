package dev.kproxy.jvmagent.hooks;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The cluster's address ranges as the daemon sees them (prefixes covering its ClusterIPs and pod
 * IPs, e.g. {@code 10.96.0.0/16}). Only a connect to an address inside one asks the daemon; every
 * other connect costs this check and nothing else.
 */
public final class AddressRanges {
    private record Prefix(byte[] bytes, int bits) {
        boolean contains(byte[] address) {
            if (address.length != bytes.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != bytes[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[full] & mask) == (bytes[full] & mask);
        }
    }

    private final List<Prefix> prefixes;

    private AddressRanges(List<Prefix> prefixes) {
        this.prefixes = List.copyOf(prefixes);
    }

    public static final AddressRanges NONE = new AddressRanges(List.of());

    /** {@code a.b.c.d/n,...}; malformed entries are skipped. */
    public static AddressRanges parse(String list) {
        List<Prefix> prefixes = new ArrayList<>();
        for (String cidr : list.split(",")) {
            int slash = cidr.indexOf('/');
            if (slash <= 0) {
                continue;
            }
            try {
                // Only numeric text reaches here (the daemon writes it), so this never resolves a name.
                byte[] bytes = InetAddress.getByName(cidr.substring(0, slash)).getAddress();
                prefixes.add(new Prefix(bytes, Integer.parseInt(cidr.substring(slash + 1))));
            } catch (Exception e) {
                Warnings.once("range " + cidr, "ignoring the malformed cluster range " + cidr);
            }
        }
        return new AddressRanges(prefixes);
    }

    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Prefix p : prefixes) {
            if (p.contains(bytes)) {
                return true;
            }
        }
        return false;
    }
}

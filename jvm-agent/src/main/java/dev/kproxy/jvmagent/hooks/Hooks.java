package dev.kproxy.jvmagent.hooks;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The static methods instrumented Netty classes call, and (through {@link #dispatch}) the JDK's. Each one is a pass-through
 * unless the address or name belongs to the cluster, and none throws: a failure inside the agent
 * must never change what the app sees for a non-cluster destination.
 */
public final class Hooks {
    private static volatile ClusterRouter router;

    private Hooks() {
    }

    public static void install(ClusterRouter r) {
        router = r;
    }

    /** The way in from {@code java.base} (see {@code JdkHooks}): one JDK interface, the operation by name. */
    public static final class Dispatch implements BiFunction<String, Object[], Object> {
        @Override
        public Object apply(String operation, Object[] args) {
            switch (operation) {
                case "route":
                    return route((SocketAddress) args[0]);
                case "peer":
                    return peer((SocketAddress) args[0], (SocketAddress) args[1]);
                case "peerOfListener":
                    return peerOfListener((InetSocketAddress) args[0]);
                default:
                    throw new IllegalArgumentException(operation);
            }
        }
    }

    /** Connect entry: a cluster destination becomes the daemon's loopback listener for it. */
    public static SocketAddress route(SocketAddress remote) {
        ClusterRouter r = router;
        if (r == null || !(remote instanceof InetSocketAddress isa) || isa.isUnresolved()) {
            return remote;
        }
        try {
            return r.route(isa);
        } catch (RuntimeException e) {
            Warnings.once("route", "cannot route " + remote + ": " + e);
            return remote;
        }
    }

    /** Connect exit: the peer address the app reads is what it asked for, not the loopback listener. */
    public static SocketAddress peer(SocketAddress current, SocketAddress original) {
        ClusterRouter r = router;
        if (r == null || !(current instanceof InetSocketAddress isa) || r.clusterAddressOf(isa) == null) {
            return current;
        }
        return original instanceof InetSocketAddress ? original : r.clusterAddressOf(isa);
    }

    /** Where no original is at hand (asynchronous channels, Netty's native socket): the listener's cluster address. */
    public static InetSocketAddress peerOfListener(InetSocketAddress current) {
        SocketAddress p = peer(current, null);
        return p instanceof InetSocketAddress isa ? isa : current;
    }

    /** A name lookup: the cluster addresses, or null to let the JDK (or Netty) resolve as usual. */
    public static InetAddress[] clusterAddresses(String host) {
        ClusterRouter r = router;
        if (r == null || host == null) {
            return null;
        }
        try {
            return r.lookup(host);
        } catch (RuntimeException e) {
            Warnings.once("lookup", "cannot look up " + host + ": " + e);
            return null;
        }
    }

    /** Netty's {@code DnsNameResolver.resolveHostsFileEntry}: a cluster name answers like a hosts-file line. */
    public static InetAddress hostsFileEntry(InetAddress fromHostsFile, String host) {
        InetAddress[] cluster = clusterAddresses(host);
        return cluster == null ? fromHostsFile : cluster[0];
    }

    /** Netty's {@code DnsNameResolver.resolveHostsFileEntries}. */
    public static List<InetAddress> hostsFileEntries(List<InetAddress> fromHostsFile, String host) {
        InetAddress[] cluster = clusterAddresses(host);
        return cluster == null ? fromHostsFile : Arrays.asList(cluster);
    }
}

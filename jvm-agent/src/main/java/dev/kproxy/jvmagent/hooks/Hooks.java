package dev.kproxy.jvmagent.hooks;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;

/**
 * The static methods instrumented Netty classes call, and (through {@link Dispatch}) the JDK's.
 * Each one is a pass-through unless the address or name belongs to the cluster, and none throws:
 * a failure inside the agent must never change what the app sees for a non-cluster destination.
 */
public final class Hooks {
    private static volatile ClusterRouter router;
    /**
     * The destination the app asked for, from {@link #route} to the same thread's connect exit:
     * it carries the app's own {@code InetAddress} (with the host name it resolved), which TLS
     * host checks and {@code getHostName()} read back.
     */
    private static final ThreadLocal<InetSocketAddress> ASKED = new ThreadLocal<>();

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
                    return peer((SocketAddress) args[0]);
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
            InetSocketAddress routed = r.route(isa);
            if (routed != isa) {
                ASKED.set(isa);
            }
            return routed;
        } catch (RuntimeException e) {
            Warnings.once("route", "cannot route " + remote + ": " + e);
            return remote;
        }
    }

    /**
     * Connect exit and peer getters: a daemon listener's address becomes the cluster address the
     * app asked for (this thread's, when it matches) or the listener's destination otherwise
     * (asynchronous channels finish on another thread; Netty reads it on its event loop).
     */
    public static SocketAddress peer(SocketAddress current) {
        ClusterRouter r = router;
        if (r == null || !(current instanceof InetSocketAddress isa)) {
            return current;
        }
        InetSocketAddress cluster = r.clusterAddressOf(isa);
        if (cluster == null) {
            return current;
        }
        InetSocketAddress asked = ASKED.get();
        return asked != null && asked.getPort() == cluster.getPort() && cluster.getAddress().equals(asked.getAddress()) ? asked : cluster;
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

    /** For the JDK 18+ resolver ({@code ResolverClass}): the cluster addresses as a stream, or null. */
    public static Stream<InetAddress> clusterStream(String host) {
        InetAddress[] cluster = clusterAddresses(host);
        return cluster == null ? null : Stream.of(cluster);
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

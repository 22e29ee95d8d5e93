package dev.kproxy.jvmagent.bridge;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.BiFunction;

/**
 * The hook entry points for code woven into {@code java.base}. This class is never used under
 * this name: {@link JdkHooksInjector} renames it to {@code sun.nio.ch.KproxyHooks} and defines it
 * in {@code java.base}, next to the classes it serves, because code there can call nothing outside
 * the boot loader (the other way in, the boot class path, costs every app its class-data sharing
 * and prints a VM warning on each start). It references JDK types only; {@link #hooks} is the
 * agent's {@code Hooks.Dispatch}, set once the class is defined. Until then, and for anything not
 * in the cluster, every method hands back what it was given.
 */
public final class JdkHooks {
    public static volatile BiFunction<String, Object[], Object> hooks;

    private JdkHooks() {
    }

    public static SocketAddress route(SocketAddress remote) {
        BiFunction<String, Object[], Object> h = hooks;
        return h == null ? remote : (SocketAddress) h.apply("route", new Object[] {remote});
    }

    public static SocketAddress peer(SocketAddress current) {
        BiFunction<String, Object[], Object> h = hooks;
        return h == null ? current : (SocketAddress) h.apply("peer", new Object[] {current});
    }

    /** {@code SocketImpl}'s address field, from the old address and port. */
    public static InetAddress peerAddress(InetAddress current, int port) {
        SocketAddress p = current == null ? null : peer(new InetSocketAddress(current, port));
        return p instanceof InetSocketAddress && ((InetSocketAddress) p).getAddress() != null ? ((InetSocketAddress) p).getAddress() : current;
    }

    /** {@code SocketImpl}'s port field, from the old address and port. */
    public static int peerPort(InetAddress current, int port) {
        SocketAddress p = current == null ? null : peer(new InetSocketAddress(current, port));
        return p instanceof InetSocketAddress ? ((InetSocketAddress) p).getPort() : port;
    }
}

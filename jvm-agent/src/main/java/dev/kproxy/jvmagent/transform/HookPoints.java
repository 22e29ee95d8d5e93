package dev.kproxy.jvmagent.transform;

import java.util.List;
import java.util.Set;

/**
 * Where the JDK and Netty connect and resolve (OpenJDK 17 and 25 sources; Netty 4.1/4.2, io_uring 4.2).
 * Connects are rewritten at entry only for cluster destinations; peers are written back at exit.
 */
final class HookPoints {
    private static final String SOCKET_CHANNEL = "sun/nio/ch/SocketChannelImpl";
    private static final String ASYNC = "sun/nio/ch/UnixAsynchronousSocketChannelImpl";

    static final List<HookPoint> ALL = List.of(
            jdk(SOCKET_CHANNEL, "connect", "(Ljava/net/SocketAddress;)Z", true,
                    Exits.field(SOCKET_CHANNEL, "remoteAddress", "Ljava/net/SocketAddress;"),
                    "NIO SocketChannel connects (Kafka, Netty NIO, java.net.http.HttpClient)"),
            jdk(SOCKET_CHANNEL, "blockingConnect", "(Ljava/net/SocketAddress;J)V", true,
                    Exits.field(SOCKET_CHANNEL, "remoteAddress", "Ljava/net/SocketAddress;"),
                    "blocking SocketChannel connects through its Socket adaptor"),
            jdk("sun/nio/ch/NioSocketImpl", "connect", "(Ljava/net/SocketAddress;I)V", true, Exits.socketImpl(),
                    "java.net.Socket, HttpURLConnection and SSLSocket connects"),
            jdk(ASYNC, "implConnect",
                    "(Ljava/net/SocketAddress;Ljava/lang/Object;Ljava/nio/channels/CompletionHandler;)Ljava/util/concurrent/Future;",
                    true, HookCode.Exit.NONE, "AsynchronousSocketChannel connects"),
            jdk(ASYNC, "setConnected", "()V", false,
                    Exits.field("sun/nio/ch/AsynchronousSocketChannelImpl", "remoteAddress", "Ljava/net/InetSocketAddress;"),
                    "AsynchronousSocketChannel's remote address"),
            netty("io/netty/channel/unix/Socket", "connect", "(Ljava/net/SocketAddress;)Z", true, HookCode.Exit.NONE,
                    "Netty epoll/kqueue connects"),
            netty("io/netty/channel/unix/Socket", "remoteAddress", "()Ljava/net/InetSocketAddress;", false,
                    Exits.returnedPeer("java/net/InetSocketAddress"),
                    "Netty epoll/kqueue remoteAddress()"),
            // io_uring writes the destination into the connect request's sockaddr here (its
            // remoteAddress() then comes from unix.Socket, hooked above). Also used for UDP sends,
            // which no cluster address answers anyway.
            new HookPoint("io/netty/channel/uring/SockaddrIn", true, "set", "(ZLjava/nio/ByteBuffer;Ljava/net/InetSocketAddress;)I",
                    true, 2, HookCode.Exit.NONE, "Netty io_uring connects"),
            netty("io/netty/resolver/dns/DnsNameResolver", "resolveHostsFileEntry", "(Ljava/lang/String;)Ljava/net/InetAddress;", false,
                    Exits.returnedWithFirstArg("hostsFileEntry", "(Ljava/net/InetAddress;Ljava/lang/String;)Ljava/net/InetAddress;"),
                    "cluster names in Netty's DNS resolver"),
            netty("io/netty/resolver/dns/DnsNameResolver", "resolveHostsFileEntries", "(Ljava/lang/String;)Ljava/util/List;", false,
                    Exits.returnedWithFirstArg("hostsFileEntries", "(Ljava/util/List;Ljava/lang/String;)Ljava/util/List;"),
                    "cluster names in Netty's DNS resolver"));

    private HookPoints() {
    }

    static List<HookPoint> forClass(String internalName) {
        if (internalName == null) {
            return List.of();
        }
        // Plain loops: this runs inside class loading, where loading a stream class would recurse.
        List<HookPoint> found = null;
        for (HookPoint p : ALL) {
            if (p.matchesClass(internalName)) {
                if (found == null) {
                    found = new java.util.ArrayList<>(2);
                }
                found.add(p);
            }
        }
        return found == null ? List.of() : found;
    }

    /** The JDK classes to hook, as binary names. */
    static Set<String> jdkClasses() {
        Set<String> names = new java.util.HashSet<>();
        for (HookPoint p : ALL) {
            if (!p.suffix()) {
                names.add(p.className().replace('/', '.'));
            }
        }
        return names;
    }

    private static HookPoint jdk(String cls, String method, String desc, boolean route, HookCode.Exit exit, String what) {
        return new HookPoint(cls, false, method, desc, route, exit, what);
    }

    private static HookPoint netty(String cls, String method, String desc, boolean route, HookCode.Exit exit, String what) {
        return new HookPoint(cls, true, method, desc, route, exit, what);
    }
}

package dev.kproxy.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;

/** Where the laptop sends each intercepted port's connections: a port on its own loopback. */
public final class LocalTargets {
    private final Map<Integer, Integer> localPortByInterceptedPort;
    private final int defaultLocalPort;

    private LocalTargets(Map<Integer, Integer> localPortByInterceptedPort, int defaultLocalPort) {
        this.localPortByInterceptedPort = Map.copyOf(localPortByInterceptedPort);
        this.defaultLocalPort = defaultLocalPort;
    }

    /** Every intercepted port goes to this one local port. */
    public static LocalTargets single(int localPort) {
        return new LocalTargets(Map.of(), localPort);
    }

    /** Each intercepted (application) port to its own local port; other ports are refused. */
    public static LocalTargets byInterceptedPort(Map<Integer, Integer> localPortByInterceptedPort) {
        return new LocalTargets(localPortByInterceptedPort, 0);
    }

    public Optional<InetSocketAddress> resolve(int interceptedPort) {
        int port = localPortByInterceptedPort.getOrDefault(interceptedPort, defaultLocalPort);
        return port == 0 ? Optional.empty() : Optional.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }
}

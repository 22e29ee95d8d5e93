package dev.kproxy.proxy;

import java.util.Objects;

/**
 * Where a client wants to go, exactly as it named it: {@code host} is a DNS name
 * ({@code sage.wjyl-dev}) or an IP literal ({@code 10.96.0.12}, {@code ::1}, without brackets).
 * Names are not resolved here: a cluster-aware {@link Dialer} maps cluster names and ClusterIPs itself.
 */
public record Destination(String host, int port, ProxyProtocol protocol) {

    public Destination {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(protocol, "protocol");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("destination host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("destination port " + port + " is outside 0-65535");
        }
    }

    /** {@code host:port}, with IPv6 literals in brackets; used in every user-facing message. */
    public String hostAndPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return hostAndPort() + " (" + protocol + ")";
    }
}

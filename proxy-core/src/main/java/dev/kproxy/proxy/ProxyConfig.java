package dev.kproxy.proxy;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the proxy listens.
 *
 * @param bindAddress      host or IP to bind; loopback unless credentials are set
 * @param port             0 picks an ephemeral port (see {@link ProxyServer#port()})
 * @param credentials      when present, SOCKS5 requires RFC 1929, HTTP requires Basic, SOCKS4 is refused
 * @param handshakeTimeout time a client has to finish its proxy request before it is closed
 * @param idleTimeout      a connection with no traffic either way for this long is closed
 * @param recentErrorsPerDestination how many recent errors {@link ProxyStats} keeps per destination
 */
public record ProxyConfig(String bindAddress, int port, Optional<ProxyCredentials> credentials,
                          Duration handshakeTimeout, Duration idleTimeout, int recentErrorsPerDestination) {

    public ProxyConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("proxy port " + port + " is outside 0-65535");
        }
        if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("proxy timeouts must be positive");
        }
        if (recentErrorsPerDestination < 1) {
            throw new IllegalArgumentException("recentErrorsPerDestination must be at least 1");
        }
    }

    /** 127.0.0.1, ephemeral port, no auth, 10 s handshake, 10 min idle, 5 errors kept per destination. */
    public static ProxyConfig defaults() {
        return new ProxyConfig("127.0.0.1", 0, Optional.empty(), Duration.ofSeconds(10), Duration.ofMinutes(10), 5);
    }

    public ProxyConfig withBindAddress(String address) {
        return new ProxyConfig(address, port, credentials, handshakeTimeout, idleTimeout, recentErrorsPerDestination);
    }

    public ProxyConfig withPort(int newPort) {
        return new ProxyConfig(bindAddress, newPort, credentials, handshakeTimeout, idleTimeout, recentErrorsPerDestination);
    }

    public ProxyConfig withCredentials(String username, String password) {
        return new ProxyConfig(bindAddress, port, Optional.of(new ProxyCredentials(username, password)),
                handshakeTimeout, idleTimeout, recentErrorsPerDestination);
    }

    public ProxyConfig withHandshakeTimeout(Duration timeout) {
        return new ProxyConfig(bindAddress, port, credentials, timeout, idleTimeout, recentErrorsPerDestination);
    }

    public ProxyConfig withIdleTimeout(Duration timeout) {
        return new ProxyConfig(bindAddress, port, credentials, handshakeTimeout, timeout, recentErrorsPerDestination);
    }
}

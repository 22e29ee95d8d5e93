package dev.kproxy.tunnel;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * What an OPEN frame says about a new inbound cluster connection.
 *
 * @param interceptedPort the application port whose traffic this is (the laptop picks its local port by it)
 * @param clientAddress   the cluster client's address as the agent saw it
 * @param initialBytes    bytes the agent already read from the client (header routing); they come before any DATA
 */
public record OpenRequest(int interceptedPort, InetSocketAddress clientAddress, byte[] initialBytes) {

    public OpenRequest {
        if (interceptedPort < 1 || interceptedPort > 65535) {
            throw new IllegalArgumentException("intercepted port out of range: " + interceptedPort);
        }
        Objects.requireNonNull(clientAddress, "clientAddress");
        if (clientAddress.isUnresolved()) {
            throw new IllegalArgumentException("client address must be an IP address: " + clientAddress);
        }
        initialBytes = initialBytes == null ? new byte[0] : initialBytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OpenRequest other
                && interceptedPort == other.interceptedPort
                && clientAddress.equals(other.clientAddress)
                && Arrays.equals(initialBytes, other.initialBytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(interceptedPort, clientAddress, Arrays.hashCode(initialBytes));
    }

    @Override
    public String toString() {
        return "OpenRequest[port=" + interceptedPort + ", client=" + clientAddress
                + ", initialBytes=" + initialBytes.length + "]";
    }
}

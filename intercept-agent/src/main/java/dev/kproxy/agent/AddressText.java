package dev.kproxy.agent;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Collection;
import java.util.stream.Collectors;

/** Formats addresses for log lines: {@code 10.0.0.1:80}, {@code [::1]:80}. */
final class AddressText {
    private AddressText() {
    }

    static String format(InetAddress address, int port) {
        String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    static String formatAll(Collection<InetAddress> addresses) {
        return addresses.stream().map(InetAddress::getHostAddress).sorted().collect(Collectors.joining(", "));
    }
}

package dev.kproxy.dns;

/**
 * A service port. {@code name} may be empty (unnamed single port: no SRV record, per the
 * Kubernetes DNS spec, which only defines SRV records for named ports).
 *
 * @param protocol TCP, UDP or SCTP, as in the Service spec
 */
public record PortEntry(String name, String protocol, int port) {}

package dev.kproxy.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.Name;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.TextParseException;

/**
 * How the embedded DNS server listens and where it sends names that are not the cluster's.
 *
 * @param port UDP and TCP port; 0 picks a free ephemeral port (see {@link ClusterDnsServer#port()})
 * @param clusterDomain the cluster domain, e.g. {@code cluster.local}
 * @param namespace the connected namespace: the first search domain, as for a pod in it
 * @param upstreams resolvers for every other name; empty means every such query gets SERVFAIL
 * @param upstreamTimeout how long to wait for the upstreams before answering SERVFAIL
 */
public record DnsConfig(
    InetAddress bindAddress,
    int port,
    Name clusterDomain,
    String namespace,
    List<InetSocketAddress> upstreams,
    Duration upstreamTimeout) {

  public static final int DEFAULT_PORT = 10053;
  public static final String DEFAULT_CLUSTER_DOMAIN = "cluster.local";

  public DnsConfig {
    Objects.requireNonNull(bindAddress, "bindAddress");
    Objects.requireNonNull(clusterDomain, "clusterDomain");
    Objects.requireNonNull(upstreamTimeout, "upstreamTimeout");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("DNS port " + port + " is out of range: use 0-65535");
    }
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("DNS needs the connected namespace: set one");
    }
    if (!clusterDomain.isAbsolute()) {
      throw new IllegalArgumentException("cluster domain " + clusterDomain + " must be absolute");
    }
    namespace = namespace.toLowerCase(java.util.Locale.ROOT);
    upstreams = List.copyOf(upstreams);
  }

  /**
   * Loopback, port {@value #DEFAULT_PORT}, {@code cluster.local}, and the laptop's own resolvers
   * from /etc/resolv.conf (via dnsjava's {@link ResolverConfig}) as upstreams.
   */
  public static DnsConfig defaults(String namespace) {
    return new DnsConfig(
        InetAddress.getLoopbackAddress(),
        DEFAULT_PORT,
        domain(DEFAULT_CLUSTER_DOMAIN),
        namespace,
        ResolverConfig.getCurrentConfig().servers(),
        Duration.ofSeconds(3));
  }

  public DnsConfig withPort(int newPort) {
    return new DnsConfig(bindAddress, newPort, clusterDomain, namespace, upstreams, upstreamTimeout);
  }

  public DnsConfig withClusterDomain(String domain) {
    return new DnsConfig(bindAddress, port, domain(domain), namespace, upstreams, upstreamTimeout);
  }

  public DnsConfig withUpstreams(List<InetSocketAddress> newUpstreams) {
    return new DnsConfig(bindAddress, port, clusterDomain, namespace, newUpstreams, upstreamTimeout);
  }

  public DnsConfig withUpstreamTimeout(Duration timeout) {
    return new DnsConfig(bindAddress, port, clusterDomain, namespace, upstreams, timeout);
  }

  private static Name domain(String domain) {
    try {
      return Name.fromString(domain, Name.root).canonicalize();
    } catch (TextParseException e) {
      throw new IllegalArgumentException(
          "cluster domain '" + domain + "' is not a DNS name: " + e.getMessage(), e);
    }
  }
}

package dev.kproxy.dns;

import java.net.InetAddress;

/**
 * A name inside the cluster domain (or a reverse name), classified by the Kubernetes DNS-based
 * service discovery spec (kubernetes/dns docs/specification.md, sections 2.3-2.5).
 */
public sealed interface ClusterName {

  /** The cluster domain itself, {@code svc.<domain>} or {@code pod.<domain>}: exist, no records. */
  record ZoneName() implements ClusterName {}

  /** {@code <ns>.svc.<domain>} or {@code <ns>.pod.<domain>}: exists iff the namespace does. */
  record NamespaceName(String namespace) implements ClusterName {}

  /** {@code <svc>.<ns>.svc.<domain>}. */
  record ServiceName(String namespace, String service) implements ClusterName {}

  /** {@code <host>.<svc>.<ns>.svc.<domain>}: an endpoint of a headless service. */
  record HostName(String namespace, String service, String host) implements ClusterName {}

  /** {@code _<port>._<proto>.<svc>.<ns>.svc.<domain>}. */
  record SrvName(String namespace, String service, String port, String protocol)
      implements ClusterName {}

  /** {@code a-b-c-d.<ns>.pod.<domain>} (IPv6: colons written as dashes). */
  record PodName(String namespace, InetAddress ip) implements ClusterName {}

  /** {@code d.c.b.a.in-addr.arpa} or the nibble form under {@code ip6.arpa}. */
  record ReverseName(InetAddress ip) implements ClusterName {}

  /** Under the cluster domain but no record kind the spec defines: NXDOMAIN. */
  record UnknownName() implements ClusterName {}
}

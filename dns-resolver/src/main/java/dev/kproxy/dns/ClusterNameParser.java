package dev.kproxy.dns;

import dev.kproxy.dns.ClusterName.HostName;
import dev.kproxy.dns.ClusterName.NamespaceName;
import dev.kproxy.dns.ClusterName.PodName;
import dev.kproxy.dns.ClusterName.ReverseName;
import dev.kproxy.dns.ClusterName.ServiceName;
import dev.kproxy.dns.ClusterName.SrvName;
import dev.kproxy.dns.ClusterName.UnknownName;
import dev.kproxy.dns.ClusterName.ZoneName;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.xbill.DNS.Name;
import org.xbill.DNS.ReverseMap;

/** Classifies absolute names relative to one cluster domain. Pure: no cluster lookups. */
public final class ClusterNameParser {

  private static final Name IN_ADDR_ARPA = Name.fromConstantString("in-addr.arpa.");
  private static final Name IP6_ARPA = Name.fromConstantString("ip6.arpa.");

  // ASCII only: Character.isDigit would accept other scripts' digits, which InetAddress would
  // then treat as a host name to look up instead of a literal.
  private static final String HEX = "0123456789abcdef";

  private final Name domain;

  public ClusterNameParser(Name clusterDomain) {
    this.domain = clusterDomain.canonicalize();
  }

  public Name domain() {
    return domain;
  }

  /** Empty when the name is neither under the cluster domain nor a well-formed reverse name. */
  public Optional<ClusterName> parse(Name name) {
    if (name.subdomain(domain)) {
      return Optional.of(classify(labelsBelowDomain(name)));
    }
    if (name.subdomain(IN_ADDR_ARPA) || name.subdomain(IP6_ARPA)) {
      return reverse(name);
    }
    return Optional.empty();
  }

  public boolean isReverse(Name name) {
    return name.subdomain(IN_ADDR_ARPA) || name.subdomain(IP6_ARPA);
  }

  private ClusterName classify(List<String> l) {
    int n = l.size();
    if (n == 0) {
      return new ZoneName();
    }
    String kind = l.get(n - 1);
    if (kind.equals("svc")) {
      return switch (n) {
        case 1 -> new ZoneName();
        case 2 -> new NamespaceName(l.get(0));
        case 3 -> new ServiceName(l.get(1), l.get(0));
        case 4 -> l.get(0).startsWith("_")
            ? new UnknownName()
            : new HostName(l.get(2), l.get(1), l.get(0));
        case 5 -> l.get(0).startsWith("_") && l.get(1).startsWith("_")
            ? new SrvName(l.get(3), l.get(2), l.get(0).substring(1), l.get(1).substring(1))
            : new UnknownName();
        default -> new UnknownName();
      };
    }
    if (kind.equals("pod")) {
      return switch (n) {
        case 1 -> new ZoneName();
        case 2 -> new NamespaceName(l.get(0));
        case 3 -> dashedIp(l.get(0))
            .<ClusterName>map(ip -> new PodName(l.get(1), ip))
            .orElseGet(UnknownName::new);
        default -> new UnknownName();
      };
    }
    return new UnknownName();
  }

  private List<String> labelsBelowDomain(Name name) {
    int below = name.labels() - domain.labels();
    List<String> labels = new ArrayList<>(below);
    for (int i = 0; i < below; i++) {
      labels.add(name.getLabelString(i).toLowerCase(Locale.ROOT));
    }
    return labels;
  }

  private static Optional<ClusterName> reverse(Name name) {
    // dnsjava pads a partial reverse name (a /24 zone like 2.1.10.in-addr.arpa) with zeros;
    // only a full address is a PTR question about one host.
    int below = name.subdomain(IN_ADDR_ARPA)
        ? name.labels() - IN_ADDR_ARPA.labels()
        : name.labels() - IP6_ARPA.labels();
    if (below != (name.subdomain(IN_ADDR_ARPA) ? 4 : 32)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ReverseName(ReverseMap.fromName(name)));
    } catch (UnknownHostException | RuntimeException e) {
      return Optional.empty(); // a partial reverse name (e.g. a /24 zone) is not an address
    }
  }

  /** {@code 10-0-0-1} or {@code fd00--1}, as CoreDNS's kubernetes plugin writes pod names. */
  static Optional<InetAddress> dashedIp(String label) {
    String dotted = label.replace('-', '.');
    if (isIpv4Literal(dotted)) {
      return literal(dotted);
    }
    String coloned = label.replace('-', ':');
    if (coloned.contains(":") && coloned.chars().allMatch(c -> c == ':' || HEX.indexOf(c) >= 0)) {
      return literal(coloned);
    }
    return Optional.empty();
  }

  private static boolean isIpv4Literal(String dotted) {
    String[] parts = dotted.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  private static Optional<InetAddress> literal(String text) {
    try {
      // Only literals reach here, so getByName never does a lookup.
      return Optional.of(InetAddress.getByName(text));
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
  }
}

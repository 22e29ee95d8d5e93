package dev.kproxy.dns;

import dev.kproxy.dns.ClusterAnswer.Found;
import dev.kproxy.dns.ClusterAnswer.NoSuchName;
import dev.kproxy.dns.ClusterAnswer.NotClusterName;
import dev.kproxy.dns.ClusterName.HostName;
import dev.kproxy.dns.ClusterName.PodName;
import dev.kproxy.dns.ClusterName.ServiceName;
import dev.kproxy.dns.ClusterName.SrvName;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;

/**
 * Decides whether a question is the cluster's, applying the search list a pod in the connected
 * namespace has ({@code search <ns>.svc.<domain> svc.<domain> <domain>}, kubelet's resolv.conf).
 *
 * <p>Laptop resolvers do not carry those search domains, so the server applies them: a name
 * outside the cluster domain is tried under each search domain, and the first that names an
 * existing service, endpoint hostname, SRV port or pod answers <em>under the name asked</em>
 * (no CNAME). Both glibc and the JDK accept that: they only match the answer's owner against the
 * name they sent. Otherwise the name goes upstream as asked, as a pod's resolver would eventually
 * send it, except {@code x.<ns>.svc} and {@code a-b-c-d.<ns>.pod} for an existing namespace:
 * those can only mean the cluster, so they get NXDOMAIN. {@code x.<ns>} is still forwarded,
 * because a namespace may share its name with a real top-level domain ({@code dev}, {@code app}).
 */
public final class ClusterZone {

  private final ClusterNameParser parser;
  private final ClusterAnswerer answerer;
  private final List<Name> searchDomains;
  private final ClusterDirectory directory;

  public ClusterZone(ClusterNameParser parser, ClusterAnswerer answerer, ClusterDirectory directory,
      String namespace) {
    this.parser = parser;
    this.answerer = answerer;
    this.directory = directory;
    Name domain = parser.domain();
    this.searchDomains = List.of(
        Name.fromConstantString(namespace + ".svc." + domain),
        Name.fromConstantString("svc." + domain),
        domain);
  }

  public ClusterAnswerer answerer() {
    return answerer;
  }

  public ClusterAnswer lookup(Name asked, int qtype) {
    Optional<ClusterName> direct = parser.parse(asked);
    if (direct.isPresent()) {
      return answerer.answer(direct.get(), asked, qtype);
    }
    if (parser.isReverse(asked)) {
      return new NotClusterName();
    }
    for (Name search : searchDomains) {
      Optional<ClusterName> candidate = expand(asked, search).flatMap(parser::parse);
      if (candidate.isEmpty() || !isLeaf(candidate.get())) {
        continue;
      }
      ClusterAnswer answer = answerer.answer(candidate.get(), asked, qtype);
      if (answer instanceof Found) {
        return answer;
      }
    }
    boolean explicitNamespace = expand(asked, parser.domain())
        .flatMap(parser::parse)
        .flatMap(ClusterZone::namespaceOf)
        .filter(directory::namespaceExists)
        .isPresent();
    return explicitNamespace ? new NoSuchName() : new NotClusterName();
  }

  /** Only names that denote an object count as search hits, not zones or bare namespaces. */
  private static boolean isLeaf(ClusterName name) {
    return name instanceof ServiceName || name instanceof HostName
        || name instanceof SrvName || name instanceof PodName;
  }

  private static Optional<String> namespaceOf(ClusterName name) {
    if (name instanceof ServiceName s) {
      return Optional.of(s.namespace());
    }
    if (name instanceof HostName h) {
      return Optional.of(h.namespace());
    }
    if (name instanceof SrvName s) {
      return Optional.of(s.namespace());
    }
    if (name instanceof PodName p) {
      return Optional.of(p.namespace());
    }
    return Optional.empty();
  }

  private static Optional<Name> expand(Name asked, Name search) {
    try {
      Name relative = asked.relativize(Name.root);
      return Optional.of(Name.concatenate(relative, search));
    } catch (NameTooLongException e) {
      return Optional.empty();
    }
  }
}

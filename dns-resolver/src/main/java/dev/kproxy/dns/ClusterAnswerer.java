package dev.kproxy.dns;

import dev.kproxy.dns.ClusterAnswer.Found;
import dev.kproxy.dns.ClusterAnswer.NoSuchName;
import dev.kproxy.dns.ClusterAnswer.NotClusterName;
import dev.kproxy.dns.ClusterName.HostName;
import dev.kproxy.dns.ClusterName.NamespaceName;
import dev.kproxy.dns.ClusterName.PodName;
import dev.kproxy.dns.ClusterName.ReverseName;
import dev.kproxy.dns.ClusterName.ServiceName;
import dev.kproxy.dns.ClusterName.SrvName;
import dev.kproxy.dns.ClusterName.UnknownName;
import dev.kproxy.dns.ClusterName.ZoneName;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one classified cluster name from the {@link ClusterDirectory}, following the Kubernetes
 * DNS-based service discovery spec (kubernetes/dns docs/specification.md). Answers carry the owner
 * name the client asked, so a search-list hit for {@code svc} comes back as {@code svc}.
 */
public final class ClusterAnswerer {

  /** The spec lets cluster answers be cached; pods come and go, so keep it short (CoreDNS: 5). */
  public static final long TTL = 5;

  private static final Logger log = LoggerFactory.getLogger(ClusterAnswerer.class);

  private final ClusterDirectory directory;
  private final Name domain;
  private final SOARecord soa;

  public ClusterAnswerer(ClusterDirectory directory, Name clusterDomain) {
    this.directory = directory;
    this.domain = clusterDomain;
    this.soa = new SOARecord(domain, DClass.IN, TTL, sub("ns.dns"), sub("hostmaster"),
        1, 7200, 1800, 86400, TTL);
  }

  /** The SOA put in the authority section of NXDOMAIN and NODATA answers (RFC 2308 section 3). */
  public SOARecord soa() {
    return soa;
  }

  public ClusterAnswer answer(ClusterName name, Name owner, int qtype) {
    if (name instanceof ZoneName) {
      boolean apex = owner.equals(domain);
      return apex && wants(qtype, Type.SOA) ? found(List.of(soa)) : Found.empty();
    }
    if (name instanceof NamespaceName n) {
      return directory.namespaceExists(n.namespace()) ? Found.empty() : new NoSuchName();
    }
    if (name instanceof ServiceName s) {
      return directory.service(s.namespace(), s.service())
          .map(svc -> service(svc, owner, qtype))
          .orElseGet(NoSuchName::new);
    }
    if (name instanceof HostName h) {
      return directory.service(h.namespace(), h.service())
          .filter(ServiceEntry::headless)
          .flatMap(svc -> endpointNamed(svc, h.host()))
          .<ClusterAnswer>map(ep -> found(addresses(owner, List.of(ep.ip()), qtype)))
          .orElseGet(NoSuchName::new);
    }
    if (name instanceof SrvName s) {
      return directory.service(s.namespace(), s.service())
          .flatMap(svc -> srv(svc, s, owner, qtype))
          .orElseGet(NoSuchName::new);
    }
    if (name instanceof PodName p) {
      return directory.podByIp(IpText.of(p.ip()))
          .filter(pod -> pod.namespace().equalsIgnoreCase(p.namespace()))
          .<ClusterAnswer>map(pod -> found(addresses(owner, List.of(pod.ip()), qtype)))
          .orElseGet(NoSuchName::new);
    }
    if (name instanceof ReverseName r) {
      return reverse(r.ip(), owner, qtype);
    }
    if (name instanceof UnknownName) {
      return new NoSuchName();
    }
    throw new IllegalStateException("unhandled cluster name " + name);
  }

  private ClusterAnswer service(ServiceEntry svc, Name owner, int qtype) {
    if (svc.externalName() != null) {
      // An ExternalName service is a CNAME whatever the type asked (spec section 2.5).
      Optional<Name> target = absolute(svc.externalName());
      return target.<ClusterAnswer>map(t -> found(List.of(new CNAMERecord(owner, DClass.IN, TTL, t))))
          .orElseGet(Found::empty);
    }
    List<Record> answers = new ArrayList<>();
    List<Record> additional = new ArrayList<>();
    List<String> ips = svc.clusterIp() != null
        ? List.of(svc.clusterIp())
        : svc.readyEndpoints().stream().map(EndpointEntry::ip).toList();
    answers.addAll(addresses(owner, ips, qtype));
    if (wants(qtype, Type.SRV)) {
      for (PortEntry port : svc.ports()) {
        srvRecords(svc, port, owner, answers, additional);
      }
    }
    return new Found(answers, additional);
  }

  private Optional<ClusterAnswer> srv(ServiceEntry svc, SrvName s, Name owner, int qtype) {
    if (svc.externalName() != null) {
      return Optional.empty();
    }
    Optional<PortEntry> port = svc.ports().stream()
        .filter(p -> p.name() != null && p.name().equalsIgnoreCase(s.port()))
        .filter(p -> p.protocol().equalsIgnoreCase(s.protocol()))
        .findFirst();
    return port.map(p -> {
      List<Record> answers = new ArrayList<>();
      List<Record> additional = new ArrayList<>();
      if (wants(qtype, Type.SRV)) {
        srvRecords(svc, p, owner, answers, additional);
      }
      return new Found(answers, additional);
    });
  }

  /**
   * ClusterIP service: one SRV to the service name. Headless: one per ready endpoint, to its
   * hostname record (the endpoint's hostname, or its dashed address as CoreDNS does).
   */
  private void srvRecords(ServiceEntry svc, PortEntry port, Name owner, List<Record> answers,
      List<Record> additional) {
    if (svc.clusterIp() != null) {
      Name target = serviceFqdn(svc);
      answers.add(new SRVRecord(owner, DClass.IN, TTL, 0, 100, port.port(), target));
      additional.addAll(addresses(target, List.of(svc.clusterIp()), Type.ANY));
      return;
    }
    int weight = Math.max(1, 100 / Math.max(1, svc.readyEndpoints().size()));
    for (EndpointEntry ep : svc.readyEndpoints()) {
      Optional<Name> target = parse(ep.ip()).map(ip -> hostFqdn(svc, hostLabel(ep, ip)));
      if (target.isPresent()) {
        answers.add(new SRVRecord(owner, DClass.IN, TTL, 0, weight, port.port(), target.get()));
        additional.addAll(addresses(target.get(), List.of(ep.ip()), Type.ANY));
      }
    }
  }

  private ClusterAnswer reverse(InetAddress ip, Name owner, int qtype) {
    String text = IpText.of(ip);
    Optional<Name> target = directory.serviceByClusterIp(text)
        .map(this::serviceFqdn)
        .or(() -> directory.podByIp(text).map(pod -> podFqdn(pod, ip)));
    if (target.isEmpty()) {
      return new NotClusterName();
    }
    return found(wants(qtype, Type.PTR)
        ? List.of(new PTRRecord(owner, DClass.IN, TTL, target.get()))
        : List.of());
  }

  /** A headless-service hostname record if the pod has one (spec section 2.4.1), else its pod record. */
  private Name podFqdn(PodEntry pod, InetAddress ip) {
    String text = IpText.of(ip);
    for (ServiceEntry svc : directory.services(pod.namespace())) {
      if (!svc.headless()) {
        continue;
      }
      for (EndpointEntry ep : svc.readyEndpoints()) {
        if (ep.hostname() != null && text.equals(ep.ip())) {
          return hostFqdn(svc, ep.hostname());
        }
      }
    }
    return name(IpText.dashed(ip) + "." + pod.namespace() + ".pod");
  }

  private Optional<EndpointEntry> endpointNamed(ServiceEntry svc, String host) {
    return svc.readyEndpoints().stream()
        .filter(ep -> parse(ep.ip()).map(ip -> hostLabel(ep, ip).equalsIgnoreCase(host)).orElse(false))
        .findFirst();
  }

  private static String hostLabel(EndpointEntry ep, InetAddress ip) {
    return ep.hostname() != null ? ep.hostname() : IpText.dashed(ip);
  }

  private List<Record> addresses(Name owner, List<String> ips, int qtype) {
    List<Record> records = new ArrayList<>();
    for (String text : ips) {
      Optional<InetAddress> ip = parse(text);
      if (ip.isEmpty()) {
        continue;
      }
      if (ip.get() instanceof Inet4Address v4 && wants(qtype, Type.A)) {
        records.add(new ARecord(owner, DClass.IN, TTL, v4));
      } else if (ip.get() instanceof Inet6Address v6 && wants(qtype, Type.AAAA)) {
        records.add(new AAAARecord(owner, DClass.IN, TTL, v6));
      }
    }
    return records;
  }

  private static Optional<InetAddress> parse(String ip) {
    try {
      return Optional.of(Address.getByAddress(ip)); // literal only, never a lookup
    } catch (UnknownHostException e) {
      log.debug("ignoring endpoint address '{}': not an IP literal", ip);
      return Optional.empty();
    }
  }

  private static boolean wants(int qtype, int type) {
    return qtype == type || qtype == Type.ANY;
  }

  private static Found found(List<Record> answers) {
    return new Found(answers, List.of());
  }

  Name serviceFqdn(ServiceEntry svc) {
    return name(svc.name() + "." + svc.namespace() + ".svc");
  }

  private Name hostFqdn(ServiceEntry svc, String host) {
    return name(host + "." + svc.name() + "." + svc.namespace() + ".svc");
  }

  private Name sub(String relative) {
    return name(relative);
  }

  private Name name(String relative) {
    try {
      return Name.fromString(relative, domain);
    } catch (TextParseException e) {
      // Cluster object names are DNS-1123 labels; anything else is a bug in the directory.
      throw new IllegalStateException("'" + relative + "' is not a DNS name: " + e.getMessage(), e);
    }
  }

  private static Optional<Name> absolute(String externalName) {
    try {
      return Optional.of(Name.fromString(externalName, Name.root));
    } catch (TextParseException e) {
      log.debug("ignoring ExternalName '{}': {}", externalName, e.getMessage());
      return Optional.empty();
    }
  }
}

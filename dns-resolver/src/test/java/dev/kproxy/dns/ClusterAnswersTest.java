package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Cluster names over real UDP sockets, asked with dnsjava's SimpleResolver. */
class ClusterAnswersTest {

  static FakeUpstream upstream;
  static ClusterDnsServer server;
  static DnsQueries dns;

  @BeforeAll
  static void start() throws Exception {
    upstream = new FakeUpstream()
        .add(new ARecord(Name.fromString("www.example.test."), DClass.IN, 300,
            java.net.InetAddress.getByName("192.0.2.80")))
        .add(new ARecord(Name.fromString("cart."), DClass.IN, 300,
            java.net.InetAddress.getByName("192.0.2.99")))
        .add(new ARecord(Name.fromString("printer."), DClass.IN, 300,
            java.net.InetAddress.getByName("192.0.2.7")));
    DnsConfig config = DnsConfig.defaults(TestCluster.NAMESPACE).withPort(0)
        .withUpstreams(List.of(upstream.address())).withUpstreamTimeout(Duration.ofSeconds(2));
    server = new ClusterDnsServer(config, TestCluster.directory()).start();
    dns = new DnsQueries(server.port());
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
    upstream.close();
  }

  static List<String> data(Message m) {
    return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
  }

  @Test
  void serviceFqdnResolvesToClusterIpWithShortTtlAndAuthority() throws Exception {
    Message m = dns.ask("cart.shop.svc.cluster.local", Type.A);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
    assertThat(data(m)).containsExactly("10.96.0.10");
    assertThat(m.getSection(Section.ANSWER)).allSatisfy(r -> assertThat(r.getTTL()).isLessThanOrEqualTo(5));
  }

  @Test
  void headlessServiceResolvesToEachReadyEndpoint() throws Exception {
    assertThat(data(dns.ask("db.shop.svc.cluster.local", Type.A)))
        .containsExactlyInAnyOrder("10.244.1.5", "10.244.1.6");
  }

  @Test
  void statefulSetHostnameRecordResolvesToThatEndpoint() throws Exception {
    assertThat(data(dns.ask("db-1.db.shop.svc.cluster.local", Type.A))).containsExactly("10.244.1.6");
    assertThat(data(dns.ask("10-244-1-9.cache.shop.svc.cluster.local", Type.A))).containsExactly("10.244.1.9");
    assertThat(dns.ask("db-7.db.shop.svc.cluster.local", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void podRecordResolvesOnlyForAPodOfThatNamespace() throws Exception {
    assertThat(data(dns.ask("10-244-1-7.shop.pod.cluster.local", Type.A))).containsExactly("10.244.1.7");
    assertThat(dns.ask("10-244-1-7.payments.pod.cluster.local", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(dns.ask("10-244-9-9.shop.pod.cluster.local", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void aaaaForAnIpv4OnlyNameIsNoDataNotNxdomain() throws Exception {
    Message m = dns.ask("cart.shop.svc.cluster.local", Type.AAAA);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getSection(Section.ANSWER)).isEmpty();
    assertThat(m.getSection(Section.AUTHORITY)).hasOnlyElementsOfType(SOARecord.class).hasSize(1);
    Message shortName = dns.ask("cart", Type.AAAA);
    assertThat(shortName.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(shortName.getSection(Section.ANSWER)).isEmpty();
  }

  @Test
  void ipv6ClusterIpAnswersAaaa() throws Exception {
    assertThat(data(dns.ask("dual.shop.svc.cluster.local", Type.AAAA))).containsExactly("fd00:0:0:0:0:0:0:10");
    assertThat(data(dns.ask("dual.shop.svc.cluster.local", Type.A))).isEmpty();
  }

  @Test
  void shortNamesResolveUnderTheNameAsked() throws Exception {
    for (String asked : List.of("cart", "cart.shop", "cart.shop.svc", "ledger.payments", "ledger.payments.svc")) {
      Message m = dns.ask(asked, Type.A);
      assertThat(m.getRcode()).as(asked).isEqualTo(Rcode.NOERROR);
      assertThat(m.getSection(Section.ANSWER)).as(asked).hasSize(1);
      Record a = m.getSection(Section.ANSWER).get(0);
      assertThat(a.getName()).as(asked).isEqualTo(Name.fromString(asked, Name.root));
      assertThat(a.rdataToString()).isEqualTo(asked.startsWith("cart") ? "10.96.0.10" : "10.96.0.20");
    }
  }

  @Test
  void shortNameThatIsNotAClusterNameGoesUpstream() throws Exception {
    assertThat(data(dns.ask("printer", Type.A))).containsExactly("192.0.2.7");
    assertThat(upstream.timesAsked("printer.")).isPositive();
  }

  @Test
  void explicitNamespaceFormsOfMissingNamesAreNxdomain() throws Exception {
    Message svc = dns.ask("nope.payments.svc", Type.A);
    assertThat(svc.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(svc.getSection(Section.AUTHORITY)).hasOnlyElementsOfType(SOARecord.class).hasSize(1);
    assertThat(upstream.timesAsked("nope.payments.svc.")).isZero();
  }

  @Test
  void unknownNamesUnderTheClusterDomainAreNxdomainWithSoa() throws Exception {
    for (String name : List.of("nope.shop.svc.cluster.local", "cart.nowhere.svc.cluster.local",
        "nowhere.svc.cluster.local", "what.cluster.local", "a.b.c.d.e.f.svc.cluster.local")) {
      Message m = dns.ask(name, Type.A);
      assertThat(m.getRcode()).as(name).isEqualTo(Rcode.NXDOMAIN);
      assertThat(m.getSection(Section.AUTHORITY)).as(name).hasOnlyElementsOfType(SOARecord.class).hasSize(1);
      assertThat(m.getSection(Section.AUTHORITY).get(0).getTTL()).isLessThanOrEqualTo(5);
    }
    assertThat(dns.ask("empty-ns.svc.cluster.local", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);
  }

  @Test
  void srvForANamedPortPointsAtTheServiceName() throws Exception {
    Message m = dns.ask("_http._tcp.cart.shop.svc.cluster.local", Type.SRV);
    assertThat(data(m)).containsExactly("0 100 80 cart.shop.svc.cluster.local.");
    assertThat(m.getSection(Section.ADDITIONAL).stream().filter(r -> r.getType() == Type.A).map(Record::rdataToString))
        .containsExactly("10.96.0.10");
    assertThat(dns.ask("_http._udp.cart.shop.svc.cluster.local", Type.SRV).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(dns.ask("_nope._tcp.cart.shop.svc.cluster.local", Type.SRV).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void srvForAHeadlessServiceListsEachEndpointHostname() throws Exception {
    assertThat(data(dns.ask("_postgres._tcp.db.shop.svc.cluster.local", Type.SRV))).containsExactlyInAnyOrder(
        "0 50 5432 db-0.db.shop.svc.cluster.local.", "0 50 5432 db-1.db.shop.svc.cluster.local.");
    assertThat(data(dns.ask("_redis._tcp.cache", Type.SRV)))
        .containsExactly("0 100 6379 10-244-1-9.cache.shop.svc.cluster.local.");
  }

  @Test
  void ptrForClusterIpPodIpAndHostnameEndpoint() throws Exception {
    assertThat(data(dns.ask("10.0.96.10.in-addr.arpa", Type.PTR))).containsExactly("cart.shop.svc.cluster.local.");
    assertThat(data(dns.ask("7.1.244.10.in-addr.arpa", Type.PTR))).containsExactly("10-244-1-7.shop.pod.cluster.local.");
    assertThat(data(dns.ask("5.1.244.10.in-addr.arpa", Type.PTR))).containsExactly("db-0.db.shop.svc.cluster.local.");
  }

  @Test
  void externalNameIsACnameFollowedToItsTarget() throws Exception {
    Message m = dns.ask("legacy.shop.svc.cluster.local", Type.A);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getSection(Section.ANSWER).stream().map(r -> Type.string(r.getType()) + " " + r.rdataToString()))
        .containsExactly("CNAME www.example.test.", "A 192.0.2.80");
    assertThat(data(dns.ask("legacy.shop.svc.cluster.local", Type.CNAME))).containsExactly("www.example.test.");
  }

  @Test
  void anyAndSoaAndOtherTypesGetSensibleAnswers() throws Exception {
    assertThat(data(dns.ask("cart.shop.svc.cluster.local", Type.ANY))).contains("10.96.0.10");
    Message txt = dns.ask("cart.shop.svc.cluster.local", Type.TXT);
    assertThat(txt.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(txt.getSection(Section.ANSWER)).isEmpty();
    assertThat(dns.ask("cluster.local", Type.SOA).getSection(Section.ANSWER)).hasOnlyElementsOfType(SOARecord.class);
  }

  @Test
  void unsupportedOpcodeIsNotimpAndOtherClassesAreRefused() throws Exception {
    Message notify = DnsQueries.query("cart.shop.svc.cluster.local", Type.SOA);
    notify.getHeader().setOpcode(Opcode.NOTIFY);
    Message reply = new Message(dns.udp(notify.toWire()));
    assertThat(reply.getHeader().getRcode()).isEqualTo(Rcode.NOTIMP);
    assertThat(reply.getHeader().getID()).isEqualTo(notify.getHeader().getID());

    Message chaos = Message.newQuery(Record.newRecord(Name.fromString("version.bind."), Type.TXT, DClass.CH));
    assertThat(new Message(dns.udp(chaos.toWire())).getRcode()).isEqualTo(Rcode.REFUSED);
  }

  @Test
  void unknownEdnsVersionIsBadvers() throws Exception {
    Message q = DnsQueries.query("cart", Type.A);
    q.addRecord(new org.xbill.DNS.OPTRecord(1232, 0, 1), Section.ADDITIONAL);
    Message reply = new Message(dns.udp(q.toWire()));
    assertThat(reply.getRcode()).isEqualTo(Rcode.BADVERS);
    assertThat(reply.getSection(Section.ANSWER)).isEmpty();
    assertThat(reply.getOPT().getVersion()).isZero();
  }

  @Test
  void sameAnswersOverTcp() throws Exception {
    assertThat(data(dns.askTcp("cart", Type.A))).containsExactly("10.96.0.10");
    assertThat(dns.askTcp("nope.shop.svc.cluster.local", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }
}

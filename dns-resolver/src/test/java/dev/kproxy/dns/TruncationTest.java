package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** A headless service with 60 ready endpoints does not fit a 512-byte UDP answer. */
class TruncationTest {

  static ClusterDnsServer server;
  static DnsQueries dns;
  static final String BIG = "big.shop.svc.cluster.local";

  @BeforeAll
  static void start() {
    server = new ClusterDnsServer(DnsConfig.defaults(TestCluster.NAMESPACE).withPort(0).withUpstreams(List.of()),
        TestCluster.directory()).start();
    dns = new DnsQueries(server.port());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void plainUdpAnswerIsTruncatedWithTc() throws Exception {
    byte[] wire = dns.udp(DnsQueries.query(BIG, Type.A).toWire());
    Message reply = new Message(wire);
    assertThat(wire.length).isLessThanOrEqualTo(512);
    assertThat(reply.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(reply.getSection(Section.ANSWER).size()).isLessThan(TestCluster.BIG_ENDPOINTS);
  }

  @Test
  void sameQueryOverTcpReturnsEveryEndpoint() throws Exception {
    Message reply = new Message(dns.tcp(DnsQueries.query(BIG, Type.A).toWire()));
    assertThat(reply.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(reply.getSection(Section.ANSWER)).hasSize(TestCluster.BIG_ENDPOINTS);
  }

  @Test
  void ednsPayloadSizeIsHonouredBothWays() throws Exception {
    Message large = DnsQueries.query(BIG, Type.A);
    large.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
    byte[] wire = dns.udp(large.toWire());
    Message full = new Message(wire);
    assertThat(full.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(full.getSection(Section.ANSWER)).hasSize(TestCluster.BIG_ENDPOINTS);
    assertThat(wire.length).isGreaterThan(512).isLessThanOrEqualTo(ResponseTruncation.OUR_UDP_PAYLOAD);
    assertThat(full.getOPT()).isNotNull();

    Message small = DnsQueries.query(BIG, Type.A);
    small.addRecord(new OPTRecord(512, 0, 0), Section.ADDITIONAL);
    Message truncated = new Message(dns.udp(small.toWire()));
    assertThat(truncated.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(truncated.getOPT()).isNotNull();
  }

  @Test
  void dnsjavaResolverRetriesOverTcpAndGetsEverything() throws Exception {
    var resolver = dns.resolver(false);
    resolver.setEDNS(-1, 0, 0, List.of()); // no EDNS: 512-byte UDP limit
    Message reply = resolver.send(DnsQueries.query(BIG, Type.A));
    assertThat(reply.getSection(Section.ANSWER)).hasSize(TestCluster.BIG_ENDPOINTS);
  }
}

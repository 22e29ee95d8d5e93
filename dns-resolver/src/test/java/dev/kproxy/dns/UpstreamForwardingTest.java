package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Names that are not the cluster's, against a second local DNS server given as the upstream. */
class UpstreamForwardingTest {

  FakeUpstream upstream;

  @BeforeEach
  void startUpstream() throws Exception {
    upstream = new FakeUpstream()
        .add(new ARecord(Name.fromString("api.example.test."), DClass.IN, 120, InetAddress.getByName("192.0.2.1")));
  }

  @AfterEach
  void stopUpstream() throws Exception {
    upstream.close();
  }

  private ClusterDnsServer server(List<InetSocketAddress> upstreams) {
    DnsConfig config = DnsConfig.defaults(TestCluster.NAMESPACE).withPort(0).withUpstreams(upstreams)
        .withUpstreamTimeout(Duration.ofMillis(500));
    return new ClusterDnsServer(config, TestCluster.directory()).start();
  }

  @Test
  void forwardsOtherNamesAndCachesTheAnswer() throws Exception {
    try (ClusterDnsServer server = server(List.of(upstream.address()))) {
      DnsQueries dns = new DnsQueries(server.port());
      Message first = dns.ask("api.example.test", Type.A);
      Message second = dns.ask("API.example.test", Type.A);
      assertThat(first.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(first.getHeader().getFlag(Flags.AA)).isFalse();
      assertThat(first.getSection(Section.ANSWER)).map(Record::rdataToString).containsExactly("192.0.2.1");
      assertThat(second.getSection(Section.ANSWER)).map(Record::rdataToString).containsExactly("192.0.2.1");
      assertThat(second.getSection(Section.ANSWER).get(0).getTTL()).isBetween(1L, 120L);
      assertThat(upstream.timesAsked("api.example.test.")).isEqualTo(1);
    }
  }

  @Test
  void forwardsNxdomainWithTheUpstreamSoaAndCachesItNegatively() throws Exception {
    try (ClusterDnsServer server = server(List.of(upstream.address()))) {
      DnsQueries dns = new DnsQueries(server.port());
      for (int i = 0; i < 3; i++) {
        Message m = dns.ask("missing.example.test", Type.A);
        assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(m.getSection(Section.AUTHORITY)).hasOnlyElementsOfType(SOARecord.class);
      }
      assertThat(upstream.timesAsked("missing.example.test.")).isEqualTo(1);
    }
  }

  @Test
  void silentUpstreamGivesServfailAndIsNotCached() throws Exception {
    try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        ClusterDnsServer server = server(List.of((InetSocketAddress) silent.getLocalSocketAddress()))) {
      DnsQueries dns = new DnsQueries(server.port());
      assertThat(dns.ask("api.example.test", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
      assertThat(dns.ask("api.example.test", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
      // cluster names keep working while the upstream is down
      assertThat(dns.ask("cart", Type.A).getSection(Section.ANSWER)).map(Record::rdataToString)
          .containsExactly("10.96.0.10");
    }
  }

  @Test
  void noUpstreamAtAllGivesServfail() throws Exception {
    try (ClusterDnsServer server = server(List.of())) {
      assertThat(new DnsQueries(server.port()).ask("api.example.test", Type.A).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }
  }

  @Test
  void unknownReverseNamesAreForwarded() throws Exception {
    try (ClusterDnsServer server = server(List.of(upstream.address()))) {
      Message m = new DnsQueries(server.port()).ask("1.2.0.192.in-addr.arpa", Type.PTR);
      assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
      assertThat(upstream.timesAsked("1.2.0.192.in-addr.arpa.")).isEqualTo(1);
    }
  }
}

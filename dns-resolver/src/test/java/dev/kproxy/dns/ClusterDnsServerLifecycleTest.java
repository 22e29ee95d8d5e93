package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class ClusterDnsServerLifecycleTest {

  private static DnsConfig config(int port) {
    return DnsConfig.defaults(TestCluster.NAMESPACE).withPort(port).withUpstreams(List.of());
  }

  @Test
  void ephemeralPortServesUdpAndTcpOnTheSamePortAndCloseReleasesIt() throws Exception {
    int port;
    try (ClusterDnsServer server = new ClusterDnsServer(config(0), TestCluster.directory()).start()) {
      port = server.port();
      DnsQueries dns = new DnsQueries(port);
      assertThat(dns.ask("cart", Type.A).getSection(Section.ANSWER)).map(Record::rdataToString).containsExactly("10.96.0.10");
      assertThat(dns.askTcp("cart", Type.A).getSection(Section.ANSWER)).map(Record::rdataToString).containsExactly("10.96.0.10");
    }
    try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        ServerSocket tcp = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertThat(udp.getLocalPort()).isEqualTo(tcp.getLocalPort());
    }
  }

  @Test
  void takenPortIsAOneLineError() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      ClusterDnsServer server = new ClusterDnsServer(config(taken.getLocalPort()), TestCluster.directory());
      assertThatThrownBy(server::start)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(":" + taken.getLocalPort())
          .hasMessageContaining("port in use")
          .hasMessageNotContaining("\n");
      assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void refusesItselfAsUpstream() throws Exception {
    int port;
    try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      port = probe.getLocalPort();
    }
    DnsConfig loop = config(port).withUpstreams(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
    assertThatThrownBy(() -> new ClusterDnsServer(loop, TestCluster.directory()).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is this server itself");
  }

  @Test
  void configRejectsNonsense() {
    assertThatThrownBy(() -> config(70000)).hasMessageContaining("out of range");
    assertThatThrownBy(() -> DnsConfig.defaults(" ")).hasMessageContaining("namespace");
    assertThatThrownBy(() -> DnsConfig.defaults("shop").withClusterDomain("bad..domain")).hasMessageContaining("not a DNS name");
  }
}

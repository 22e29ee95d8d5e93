package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;

/** The real client: BIND's dig, against the running server. Skipped (with a reason) without dig. */
class DigTest {

  static FakeUpstream upstream;
  static ClusterDnsServer server;

  @BeforeAll
  static void start() throws Exception {
    boolean hasDig = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .anyMatch(dir -> new File(dir, "dig").canExecute());
    if (!hasDig) {
      System.out.println("DigTest skipped: no 'dig' on PATH (apt-get install dnsutils)");
    }
    Assumptions.assumeTrue(hasDig, "dig is not installed (apt-get install dnsutils)");
    upstream = new FakeUpstream()
        .add(new ARecord(Name.fromString("api.example.test."), DClass.IN, 120, InetAddress.getByName("192.0.2.1")));
    server = new ClusterDnsServer(DnsConfig.defaults(TestCluster.NAMESPACE).withPort(0)
        .withUpstreams(List.of(upstream.address())).withUpstreamTimeout(Duration.ofSeconds(2)),
        TestCluster.directory()).start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
      upstream.close();
    }
  }

  static List<String> dig(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", String.valueOf(server.port()),
        "+tries=1", "+time=3"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("dig finished").isTrue();
      return out.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aRecord() throws Exception {
    assertThat(dig("+short", "cart.shop.svc.cluster.local", "A")).containsExactly("10.96.0.10");
  }

  @Test
  void srvRecord() throws Exception {
    assertThat(dig("+short", "_http._tcp.cart.shop.svc.cluster.local", "SRV"))
        .containsExactly("0 100 80 cart.shop.svc.cluster.local.");
  }

  @Test
  void ptrRecord() throws Exception {
    assertThat(dig("+short", "-x", "10.96.0.10")).containsExactly("cart.shop.svc.cluster.local.");
    assertThat(dig("+short", "-x", "10.244.1.6")).containsExactly("db-1.db.shop.svc.cluster.local.");
  }

  @Test
  void nxdomainWithSoa() throws Exception {
    List<String> out = dig("nope.shop.svc.cluster.local", "A");
    assertThat(out).anyMatch(l -> l.contains("status: NXDOMAIN"));
    assertThat(out).anyMatch(l -> l.matches("cluster\\.local\\.\\s+5\\s+IN\\s+SOA\\s+ns\\.dns\\.cluster\\.local\\..*"));
  }

  @Test
  void shortNamesUseTheServerSideSearchList() throws Exception {
    assertThat(dig("+short", "cart")).containsExactly("10.96.0.10");
    assertThat(dig("+short", "ledger.payments")).containsExactly("10.96.0.20");
    assertThat(dig("+noall", "+answer", "cart.shop"))
        .singleElement().asString().matches("cart\\.shop\\.\\s+5\\s+IN\\s+A\\s+10\\.96\\.0\\.10");
  }

  @Test
  void forwardsOtherNames() throws Exception {
    assertThat(dig("+short", "api.example.test")).containsExactly("192.0.2.1");
  }

  @Test
  void largeAnswerTruncatedOverUdpAndCompleteOverTcp() throws Exception {
    List<String> udp = dig("+noedns", "+ignore", "big.shop.svc.cluster.local", "A");
    assertThat(udp).anyMatch(l -> l.matches(";; flags: qr aa( rd)? tc.*"));
    List<String> tcp = dig("+tcp", "+short", "big.shop.svc.cluster.local", "A");
    assertThat(tcp).hasSize(TestCluster.BIG_ENDPOINTS).allMatch(l -> l.startsWith("10.244.2."));
    // Without +ignore dig itself retries the truncated answer over TCP.
    assertThat(dig("+noedns", "+short", "big.shop.svc.cluster.local", "A"))
        .filteredOn(l -> l.startsWith("10.244.2.")).hasSize(TestCluster.BIG_ENDPOINTS);
  }
}

package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kproxy.dns.ClusterName.HostName;
import dev.kproxy.dns.ClusterName.NamespaceName;
import dev.kproxy.dns.ClusterName.PodName;
import dev.kproxy.dns.ClusterName.ReverseName;
import dev.kproxy.dns.ClusterName.ServiceName;
import dev.kproxy.dns.ClusterName.SrvName;
import dev.kproxy.dns.ClusterName.UnknownName;
import dev.kproxy.dns.ClusterName.ZoneName;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;

class ClusterNameParserTest {

  final ClusterNameParser parser = new ClusterNameParser(Name.fromConstantString("cluster.local."));

  ClusterName parse(String name) throws Exception {
    return parser.parse(Name.fromString(name)).orElseThrow();
  }

  @Test
  void classifiesTheSpecsRecordKinds() throws Exception {
    assertThat(parse("cluster.local.")).isEqualTo(new ZoneName());
    assertThat(parse("svc.cluster.local.")).isEqualTo(new ZoneName());
    assertThat(parse("shop.svc.cluster.local.")).isEqualTo(new NamespaceName("shop"));
    assertThat(parse("Cart.Shop.svc.cluster.local.")).isEqualTo(new ServiceName("shop", "cart"));
    assertThat(parse("db-0.db.shop.svc.cluster.local.")).isEqualTo(new HostName("shop", "db", "db-0"));
    assertThat(parse("_http._tcp.cart.shop.svc.cluster.local.")).isEqualTo(new SrvName("shop", "cart", "http", "tcp"));
    assertThat(parse("10-1-2-3.shop.pod.cluster.local."))
        .isEqualTo(new PodName("shop", InetAddress.getByName("10.1.2.3")));
    assertThat(parse("fd00--1.shop.pod.cluster.local."))
        .isEqualTo(new PodName("shop", InetAddress.getByName("fd00::1")));
    assertThat(parse("3.2.1.10.in-addr.arpa.")).isEqualTo(new ReverseName(InetAddress.getByName("10.1.2.3")));
  }

  @Test
  void rejectsWhatTheSpecDoesNotDefine() throws Exception {
    assertThat(parse("foo.cluster.local.")).isEqualTo(new UnknownName());
    assertThat(parse("_http.cart.shop.svc.cluster.local.")).isEqualTo(new UnknownName());
    assertThat(parse("a.b.c.d.shop.svc.cluster.local.")).isEqualTo(new UnknownName());
    assertThat(parse("10-1-2-999.shop.pod.cluster.local.")).isEqualTo(new UnknownName());
    assertThat(parse("printer.shop.pod.cluster.local.")).isEqualTo(new UnknownName());
    assertThat(parser.parse(Name.fromString("example.com."))).isEmpty();
    assertThat(parser.parse(Name.fromString("2.1.10.in-addr.arpa."))).isEmpty();
  }

  @Test
  void ipTextMatchesKubernetesForms() throws Exception {
    assertThat(IpText.of(InetAddress.getByName("fd00:0:0:0:0:0:0:10"))).isEqualTo("fd00::10");
    assertThat(IpText.of(InetAddress.getByName("fd00:1:0:0:1:0:0:0"))).isEqualTo("fd00:1:0:0:1::");
    assertThat(IpText.of(InetAddress.getByName("fd00:1:0:2:3:4:5:6"))).isEqualTo("fd00:1:0:2:3:4:5:6");
    assertThat(IpText.dashed(InetAddress.getByName("10.1.2.3"))).isEqualTo("10-1-2-3");
    assertThat(IpText.dashed(InetAddress.getByName("fd00::1"))).isEqualTo("fd00--1");
  }
}

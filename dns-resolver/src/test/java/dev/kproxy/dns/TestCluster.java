package dev.kproxy.dns;

import java.util.ArrayList;
import java.util.List;

/** The cluster most tests query; the connected namespace is {@code shop}. */
final class TestCluster {

  static final String NAMESPACE = "shop";
  static final int BIG_ENDPOINTS = 60;

  private TestCluster() {}

  static StaticClusterDirectory directory() {
    List<EndpointEntry> big = new ArrayList<>();
    for (int i = 1; i <= BIG_ENDPOINTS; i++) {
      big.add(new EndpointEntry("10.244.2." + i, null, "big-" + i));
    }
    return new StaticClusterDirectory()
        .namespace("empty-ns")
        .service(new ServiceEntry("shop", "cart", "10.96.0.10", null,
            List.of(new PortEntry("http", "TCP", 80), new PortEntry("grpc", "TCP", 9090)),
            List.of(new EndpointEntry("10.244.1.7", null, "cart-7d9f"))))
        .service(new ServiceEntry("shop", "db", null, null,
            List.of(new PortEntry("postgres", "TCP", 5432)),
            List.of(new EndpointEntry("10.244.1.5", "db-0", "db-0"),
                new EndpointEntry("10.244.1.6", "db-1", "db-1"))))
        .service(new ServiceEntry("shop", "cache", null, null,
            List.of(new PortEntry("redis", "TCP", 6379)),
            List.of(new EndpointEntry("10.244.1.9", null, "cache-x1"))))
        .service(new ServiceEntry("shop", "legacy", null, "www.example.test", List.of(), List.of()))
        .service(new ServiceEntry("shop", "big", null, null, List.of(new PortEntry("http", "TCP", 80)), big))
        .service(new ServiceEntry("shop", "dual", "fd00::10", null, List.of(), List.of()))
        .service(new ServiceEntry("payments", "ledger", "10.96.0.20", null,
            List.of(new PortEntry("http", "TCP", 8080)), List.of()))
        .pod(new PodEntry("shop", "cart-7d9f", "10.244.1.7"))
        .pod(new PodEntry("shop", "db-0", "10.244.1.5"))
        .pod(new PodEntry("shop", "db-1", "10.244.1.6"));
  }
}

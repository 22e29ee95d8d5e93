package dev.kproxy.dns;

import java.util.List;
import java.util.Objects;

/**
 * One Service as DNS sees it.
 *
 * @param clusterIp the ClusterIP, or {@code null} for a headless service ({@code clusterIP: None})
 * @param externalName the target of an ExternalName service, or {@code null}
 * @param readyEndpoints the ready addresses from its EndpointSlices (headless services answer these)
 */
public record ServiceEntry(
    String namespace,
    String name,
    String clusterIp,
    String externalName,
    List<PortEntry> ports,
    List<EndpointEntry> readyEndpoints) {

  public ServiceEntry {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    ports = List.copyOf(ports);
    readyEndpoints = List.copyOf(readyEndpoints);
  }

  public boolean headless() {
    return clusterIp == null && externalName == null;
  }
}

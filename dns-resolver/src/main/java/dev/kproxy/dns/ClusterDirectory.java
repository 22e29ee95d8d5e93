package dev.kproxy.dns;

import java.util.List;
import java.util.Optional;

/**
 * What the DNS server needs to know about the cluster, in cluster terms. Implemented elsewhere from
 * Service, EndpointSlice, Pod and Namespace informers; every method is called on a Netty event loop
 * for every cluster query, so implementations answer from their in-memory caches and never block.
 */
public interface ClusterDirectory {

  Optional<ServiceEntry> service(String namespace, String name);

  /** All services of a namespace; used to find the hostname record a pod IP's PTR points to. */
  List<ServiceEntry> services(String namespace);

  Optional<ServiceEntry> serviceByClusterIp(String ip);

  Optional<PodEntry> podByIp(String ip);

  boolean namespaceExists(String namespace);
}

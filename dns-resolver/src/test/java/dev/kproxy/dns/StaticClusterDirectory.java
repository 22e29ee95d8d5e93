package dev.kproxy.dns;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** An in-memory cluster for tests; thread-safe so tests may change it while the server runs. */
final class StaticClusterDirectory implements ClusterDirectory {

  private final Set<String> namespaces = ConcurrentHashMap.newKeySet();
  private final Map<String, ServiceEntry> services = new ConcurrentHashMap<>();
  private final Map<String, PodEntry> pods = new ConcurrentHashMap<>();

  StaticClusterDirectory namespace(String name) {
    namespaces.add(name);
    return this;
  }

  StaticClusterDirectory service(ServiceEntry svc) {
    namespaces.add(svc.namespace());
    services.put(svc.namespace() + "/" + svc.name(), svc);
    return this;
  }

  StaticClusterDirectory pod(PodEntry pod) {
    namespaces.add(pod.namespace());
    pods.put(pod.ip(), pod);
    return this;
  }

  @Override
  public Optional<ServiceEntry> service(String namespace, String name) {
    return Optional.ofNullable(services.get(namespace + "/" + name));
  }

  @Override
  public List<ServiceEntry> services(String namespace) {
    List<ServiceEntry> out = new ArrayList<>();
    services.values().forEach(s -> {
      if (s.namespace().equals(namespace)) {
        out.add(s);
      }
    });
    return out;
  }

  @Override
  public Optional<ServiceEntry> serviceByClusterIp(String ip) {
    return services.values().stream().filter(s -> ip.equals(s.clusterIp())).findFirst();
  }

  @Override
  public Optional<PodEntry> podByIp(String ip) {
    return Optional.ofNullable(pods.get(ip));
  }

  @Override
  public boolean namespaceExists(String namespace) {
    return namespaces.contains(namespace);
  }
}

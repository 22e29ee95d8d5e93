package dev.kproxy.dns;

import java.util.List;
import org.xbill.DNS.Record;

/** What the cluster says about one question. */
public sealed interface ClusterAnswer {

  /** The name exists; {@code answers} empty means it has no records of the asked type (NODATA). */
  record Found(List<Record> answers, List<Record> additional) implements ClusterAnswer {
    public Found {
      answers = List.copyOf(answers);
      additional = List.copyOf(additional);
    }

    static Found empty() {
      return new Found(List.of(), List.of());
    }
  }

  /** The cluster is authoritative and the name does not exist: NXDOMAIN. */
  record NoSuchName() implements ClusterAnswer {}

  /** Not a cluster name: ask the upstream resolvers. */
  record NotClusterName() implements ClusterAnswer {}
}

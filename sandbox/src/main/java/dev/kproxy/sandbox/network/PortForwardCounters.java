package dev.kproxy.sandbox.network;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What port-forward has carried since the sandbox started: per pod, streams opened and closed and
 * bytes each way; per protocol, upgrades and streams. A stream is one forwarded TCP connection: one
 * port of a channel WebSocket, or one error/data stream pair of a SPDY connection. Protocols are
 * named by the channel subprotocol ("none" for none), {@code SPDY/3.1+portforward.k8s.io} (SPDY
 * tunnelled in a WebSocket) or {@code SPDY/3.1} (plain SPDY upgrade). Thread-safe;
 * {@link #snapshot()} and {@link #toJson()} are for {@code kproxy sandbox status} and tests.
 */
public final class PortForwardCounters {

    /** One pod's totals. */
    public record PodStats(String namespace, String name, long streamsOpened, long streamsClosed,
                           long bytesClientToPod, long bytesPodToClient) {
    }

    /** All totals at one moment; upgrades and streams keyed by protocol name (see the class comment). */
    public record Snapshot(List<PodStats> pods, Map<String, Long> upgradesByProtocol, Map<String, Long> streamsByProtocol) {
        public Snapshot {
            pods = List.copyOf(pods);
            upgradesByProtocol = Map.copyOf(upgradesByProtocol);
            streamsByProtocol = Map.copyOf(streamsByProtocol);
        }

        /** The totals of one pod, all zero when it was never forwarded to. */
        public PodStats pod(String namespace, String name) {
            return pods.stream()
                    .filter(p -> p.namespace().equals(namespace) && p.name().equals(name))
                    .findFirst()
                    .orElse(new PodStats(namespace, name, 0, 0, 0, 0));
        }
    }

    private record PodKey(String namespace, String name) {
    }

    private static final class PodTotals {
        final LongAdder opened = new LongAdder();
        final LongAdder closed = new LongAdder();
        final LongAdder toPod = new LongAdder();
        final LongAdder toClient = new LongAdder();
    }

    private final Map<PodKey, PodTotals> pods = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> upgrades = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> streams = new ConcurrentHashMap<>();

    void upgraded(String protocol) {
        upgrades.computeIfAbsent(protocol, k -> new LongAdder()).increment();
    }

    void streamOpened(String namespace, String name, String protocol) {
        totals(namespace, name).opened.increment();
        streams.computeIfAbsent(protocol, k -> new LongAdder()).increment();
    }

    void streamClosed(String namespace, String name) {
        totals(namespace, name).closed.increment();
    }

    void clientToPod(String namespace, String name, long bytes) {
        totals(namespace, name).toPod.add(bytes);
    }

    void podToClient(String namespace, String name, long bytes) {
        totals(namespace, name).toClient.add(bytes);
    }

    private PodTotals totals(String namespace, String name) {
        return pods.computeIfAbsent(new PodKey(namespace, name), k -> new PodTotals());
    }

    public Snapshot snapshot() {
        List<PodStats> stats = new ArrayList<>();
        pods.forEach((k, t) -> stats.add(new PodStats(k.namespace(), k.name(), t.opened.sum(), t.closed.sum(),
                t.toPod.sum(), t.toClient.sum())));
        stats.sort(Comparator.comparing(PodStats::namespace).thenComparing(PodStats::name));
        return new Snapshot(stats, sums(upgrades), sums(streams));
    }

    private static Map<String, Long> sums(Map<String, LongAdder> adders) {
        Map<String, Long> out = new TreeMap<>();
        adders.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** {@code {"pods":[{namespace,name,streamsOpened,...}], "upgradesByProtocol":{...}, "streamsByProtocol":{...}}} */
    public ObjectNode toJson() {
        Snapshot s = snapshot();
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        var podArray = root.putArray("pods");
        for (PodStats p : s.pods()) {
            podArray.addObject()
                    .put("namespace", p.namespace())
                    .put("name", p.name())
                    .put("streamsOpened", p.streamsOpened())
                    .put("streamsClosed", p.streamsClosed())
                    .put("bytesClientToPod", p.bytesClientToPod())
                    .put("bytesPodToClient", p.bytesPodToClient());
        }
        ObjectNode upgraded = root.putObject("upgradesByProtocol");
        new TreeMap<>(s.upgradesByProtocol()).forEach(upgraded::put);
        ObjectNode streamed = root.putObject("streamsByProtocol");
        new TreeMap<>(s.streamsByProtocol()).forEach(streamed::put);
        return root;
    }
}

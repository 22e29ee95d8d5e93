package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox's kube-proxy: for every TCP port of every Service a listener on the ClusterIP's
 * loopback twin ({@link ClusterIpTwin}), where pods reach Services, and for NodePort Services one
 * more on {@code 127.0.0.1:nodePort}, the sandbox's way in from outside. Listeners follow the
 * Services in the store (watched); each connection is relayed to a ready endpoint chosen
 * round-robin by {@link EndpointPicker}. Listeners bind loopback addresses only.
 */
public final class ServiceProxies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceProxies.class);

    private final ObjectStore store;
    private final EndpointPicker picker;
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** Every accepted connection, so close() can end them. */
    private final ChannelGroup accepted = new DefaultChannelGroup("sandbox-services", GlobalEventExecutor.INSTANCE);
    private final Map<InetSocketAddress, ServiceListener> listeners = new HashMap<>();
    private final Map<InetSocketAddress, ServicePort> refused = new HashMap<>();
    private final Map<String, Map<String, LongAdder>> connections = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> rejected = new ConcurrentHashMap<>();
    private ObjectStore.Watch watch;
    private boolean closed;

    public ServiceProxies(ObjectStore store) {
        this.store = store;
        this.picker = new EndpointPicker(store);
    }

    /** Opens listeners for the Services stored now and follows changes from then on. */
    public synchronized ServiceProxies start() {
        long version = store.resourceVersion();
        reconcile();
        watch = store.watch(ResourceCatalog.SERVICE, null, version, e -> reconcile());
        return this;
    }

    /** Connections each endpoint ({@code ip:port}) of a Service received, in address order. */
    public Map<String, Long> connectionsByEndpoint(String namespace, String service) {
        Map<String, Long> out = new TreeMap<>();
        connections.getOrDefault(namespace + "/" + service, Map.of()).forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** Connections to a Service closed at once because it had no ready endpoint. */
    public long rejectedConnections(String namespace, String service) {
        LongAdder n = rejected.get(namespace + "/" + service);
        return n == null ? 0 : n.sum();
    }

    /** The addresses listened on now, e.g. {@code 127.96.0.10:80}, each with its namespace/service:port. */
    public synchronized Map<String, String> listeners() {
        Map<String, String> out = new TreeMap<>();
        listeners.forEach((a, l) -> out.put(a.getHostString() + ":" + a.getPort(),
                l.target().serviceKey() + ":" + l.target().port()));
        return out;
    }

    private Optional<InetSocketAddress> route(ServicePort port) {
        Optional<InetSocketAddress> endpoint = picker.pick(port);
        if (endpoint.isEmpty()) {
            rejected.computeIfAbsent(port.serviceKey(), k -> new LongAdder()).increment();
        } else {
            InetSocketAddress e = endpoint.get();
            connections.computeIfAbsent(port.serviceKey(), k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(e.getHostString() + ":" + e.getPort(), k -> new LongAdder())
                    .increment();
        }
        return endpoint;
    }

    private synchronized void reconcile() {
        if (closed) {
            return;
        }
        Map<InetSocketAddress, ServicePort> desired = desiredListeners();
        listeners.entrySet().removeIf(e -> {
            if (e.getValue().target().equals(desired.get(e.getKey()))) {
                return false;
            }
            e.getValue().close();
            return true;
        });
        refused.keySet().retainAll(desired.keySet());
        desired.forEach((address, target) -> {
            if (listeners.containsKey(address) || target.equals(refused.get(address))) {
                return;
            }
            try {
                listeners.put(address, ServiceListener.bind(group, accepted, address, target, this::route));
                refused.remove(address);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                // Netty rethrows the bind error (a checked BindException) undeclared. One line per refused address, once: the user can free the port or change the Service.
                refused.put(address, target);
                LOG.warn("service {} port {}: cannot listen on {}:{}: {}", target.serviceKey(), target.port(),
                        address.getHostString(), address.getPort(), e.getMessage());
            }
        });
    }

    private Map<InetSocketAddress, ServicePort> desiredListeners() {
        Map<InetSocketAddress, ServicePort> desired = new LinkedHashMap<>();
        for (ObjectNode service : store.list(ResourceCatalog.SERVICE, null)) {
            String namespace = service.path("metadata").path("namespace").asString("");
            String name = service.path("metadata").path("name").asString("");
            JsonNode spec = service.path("spec");
            Optional<String> twin = ClusterIpTwin.of(spec.path("clusterIP").asString(""));
            boolean nodePort = spec.path("type").asString("ClusterIP").equals("NodePort")
                    || spec.path("type").asString("").equals("LoadBalancer");
            for (JsonNode p : spec.path("ports")) {
                if (!p.path("protocol").asString("TCP").equals("TCP")) {
                    continue;
                }
                ServicePort target = new ServicePort(namespace, name, p.path("name").asString(""), p.path("port").asInt(0));
                if (target.port() > 0 && twin.isPresent()) {
                    desired.putIfAbsent(new InetSocketAddress(twin.get(), target.port()), target);
                }
                int node = p.path("nodePort").asInt(0);
                if (nodePort && node > 0) {
                    desired.putIfAbsent(new InetSocketAddress("127.0.0.1", node), target);
                }
            }
        }
        return desired;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (watch != null) {
                watch.close();
            }
            listeners.values().forEach(ServiceListener::close);
            listeners.clear();
        }
        // Closed here, not left to the loops' shutdown: with a quiet period of 0 Netty 4.2 can end a
        // loop without closing its channels (see ApiServer.close), and a client would wait forever.
        accepted.close().awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}

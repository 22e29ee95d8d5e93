package dev.kproxy.sandbox.kubelet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.kproxy.sandbox.network.ClusterIpTwin;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Docker-link style variables the kubelet gives every container for the Services of its
 * namespace ({@code SAGE_SERVICE_HOST}, {@code SAGE_SERVICE_PORT}, {@code SAGE_PORT_80_TCP_ADDR}, …;
 * pkg/kubelet/envvars/envvars.go), plus the default namespace's {@code kubernetes} Service as the
 * kubelet always adds it. Addresses are the ClusterIPs' loopback twins, the address a sandbox
 * pod can actually reach; {@code enableServiceLinks: false} leaves only the {@code kubernetes} one.
 */
final class ServiceLinkEnv {
    private final ObjectStore store;

    ServiceLinkEnv(ObjectStore store) {
        this.store = store;
    }

    Map<String, String> of(JsonNode pod) {
        String namespace = pod.path("metadata").path("namespace").asString("");
        boolean links = pod.path("spec").path("enableServiceLinks").asBoolean(true);
        Map<String, ObjectNode> byName = new LinkedHashMap<>();
        store.get(ResourceCatalog.SERVICE, "default", "kubernetes").ifPresent(s -> byName.put("kubernetes", s));
        if (links) {
            store.list(ResourceCatalog.SERVICE, namespace).forEach(s -> byName.put(s.path("metadata").path("name").asString(""), s));
        }
        Map<String, String> env = new LinkedHashMap<>();
        byName.forEach((name, svc) -> add(env, name, svc));
        return env;
    }

    private static void add(Map<String, String> env, String name, JsonNode svc) {
        Optional<String> ip = ClusterIpTwin.of(svc.path("spec").path("clusterIP").asString(""));
        List<JsonNode> ports = svc.path("spec").path("ports").valueStream().toList();
        if (ip.isEmpty() || ports.isEmpty()) {
            return;
        }
        String prefix = envName(name);
        env.put(prefix + "_SERVICE_HOST", ip.get());
        env.put(prefix + "_SERVICE_PORT", Integer.toString(ports.get(0).path("port").asInt()));
        for (JsonNode p : ports) {
            if (!p.path("name").asString("").isEmpty()) {
                env.put(prefix + "_SERVICE_PORT_" + envName(p.path("name").asString("")), Integer.toString(p.path("port").asInt()));
            }
        }
        for (int i = 0; i < ports.size(); i++) {
            JsonNode p = ports.get(i);
            String protocol = p.path("protocol").asString("TCP").toUpperCase(Locale.ROOT);
            int port = p.path("port").asInt();
            String url = protocol.toLowerCase(Locale.ROOT) + "://" + ip.get() + ":" + port;
            if (i == 0) {
                env.put(prefix + "_PORT", url);
            }
            String portPrefix = prefix + "_PORT_" + port + "_" + protocol;
            env.put(portPrefix, url);
            env.put(portPrefix + "_PROTO", protocol.toLowerCase(Locale.ROOT));
            env.put(portPrefix + "_PORT", Integer.toString(port));
            env.put(portPrefix + "_ADDR", ip.get());
        }
    }

    private static String envName(String s) {
        return s.replace('-', '_').toUpperCase(Locale.ROOT);
    }
}

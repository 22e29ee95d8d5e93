package dev.kproxy.sandbox.api;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The discovery answers kubectl and fabric8 read before anything else: {@code /version},
 * {@code /api}, {@code /apis}, {@code /apis/{group}} and one APIResourceList per group version.
 * Always the legacy (unaggregated) JSON: kubectl asks for {@code apidiscovery.k8s.io/v2} first but
 * accepts plain JSON, falling back on the response Content-Type (client-go discovery_client.go).
 */
final class DiscoveryDocuments {
    private static final List<String> VERBS = List.of("create", "delete", "get", "list", "patch", "update", "watch");
    private static final Map<String, List<String>> SHORT_NAMES = Map.of(
            "pods", List.of("po"), "services", List.of("svc"), "deployments", List.of("deploy"),
            "replicasets", List.of("rs"), "statefulsets", List.of("sts"), "configmaps", List.of("cm"),
            "namespaces", List.of("ns"), "endpoints", List.of("ep"), "events", List.of("ev"));
    /** Kinds listed by {@code kubectl get all}. */
    private static final Set<String> CATEGORY_ALL = Set.of("pods", "services", "deployments", "replicasets", "statefulsets");
    /** Types whose status is written through {@code /status} only (their registry strategies reset it on update). */
    static final Set<String> WITH_STATUS = Set.of("pods", "services", "namespaces", "deployments", "replicasets",
            "statefulsets");

    private DiscoveryDocuments() {
    }

    /**
     * The discovery document at {@code path}, or empty when the path is not a discovery path.
     *
     * @param serverAddress host:port clients reach this server at, for serverAddressByClientCIDRs
     */
    static Optional<ObjectNode> at(String path, String serverAddress) {
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        if (p.equals("/version")) {
            return Optional.of(version());
        }
        if (p.equals("/api")) {
            return Optional.of(coreVersions(serverAddress));
        }
        if (p.equals("/apis")) {
            return Optional.of(groupList(serverAddress));
        }
        for (String group : groups()) {
            if (group.isEmpty()) {
                if (p.equals("/api/v1")) {
                    return Optional.of(resourceList("", "v1"));
                }
                continue;
            }
            if (p.equals("/apis/" + group)) {
                return Optional.of(group(group, serverAddress));
            }
            if (p.equals("/apis/" + group + "/v1")) {
                return Optional.of(resourceList(group, "v1"));
            }
        }
        return Optional.empty();
    }

    private static ObjectNode version() {
        ObjectNode v = StatusResponses.JSON.createObjectNode();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", "v1.32.0-kproxy-sandbox");
        v.put("gitCommit", "0000000000000000000000000000000000000000");
        v.put("gitTreeState", "clean");
        v.put("buildDate", "2026-01-01T00:00:00Z");
        v.put("goVersion", "go1.23.0");
        v.put("compiler", "gc");
        v.put("platform", System.getProperty("os.name").toLowerCase(Locale.ROOT) + "/"
                + System.getProperty("os.arch"));
        return v;
    }

    private static ObjectNode coreVersions(String serverAddress) {
        ObjectNode v = StatusResponses.JSON.createObjectNode();
        v.put("kind", "APIVersions");
        v.putArray("versions").add("v1");
        ObjectNode addr = v.putArray("serverAddressByClientCIDRs").addObject();
        addr.put("clientCIDR", "0.0.0.0/0");
        addr.put("serverAddress", serverAddress);
        return v;
    }

    private static ObjectNode groupList(String serverAddress) {
        ObjectNode list = StatusResponses.JSON.createObjectNode();
        list.put("kind", "APIGroupList");
        list.put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        for (String g : groups()) {
            if (!g.isEmpty()) {
                groups.add(groupBody(g, serverAddress));
            }
        }
        return list;
    }

    private static ObjectNode group(String group, String serverAddress) {
        ObjectNode g = groupBody(group, serverAddress);
        g.put("kind", "APIGroup");
        g.put("apiVersion", "v1");
        return g;
    }

    private static ObjectNode groupBody(String group, String serverAddress) {
        ObjectNode g = StatusResponses.JSON.createObjectNode();
        g.put("name", group);
        ObjectNode v = g.putArray("versions").addObject();
        v.put("groupVersion", group + "/v1");
        v.put("version", "v1");
        ObjectNode preferred = g.putObject("preferredVersion");
        preferred.put("groupVersion", group + "/v1");
        preferred.put("version", "v1");
        ObjectNode addr = g.putArray("serverAddressByClientCIDRs").addObject();
        addr.put("clientCIDR", "0.0.0.0/0");
        addr.put("serverAddress", serverAddress);
        return g;
    }

    private static ObjectNode resourceList(String group, String version) {
        ObjectNode list = StatusResponses.JSON.createObjectNode();
        list.put("kind", "APIResourceList");
        list.put("apiVersion", "v1");
        list.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode resources = list.putArray("resources");
        for (ResourceType t : ResourceCatalog.ALL) {
            if (!t.group().equals(group) || !t.version().equals(version)) {
                continue;
            }
            ObjectNode r = resource(resources, t, t.plural(), t.kind(), VERBS);
            r.put("singularName", t.kind().toLowerCase(Locale.ROOT));
            ArrayNode shortNames = r.putArray("shortNames");
            SHORT_NAMES.getOrDefault(t.plural(), List.of()).forEach(shortNames::add);
            if (CATEGORY_ALL.contains(t.plural())) {
                r.putArray("categories").add("all");
            }
            if (WITH_STATUS.contains(t.plural())) {
                resource(resources, t, t.plural() + "/status", t.kind(), List.of("get", "patch", "update"));
            }
            if (t.equals(ResourceCatalog.POD)) {
                resource(resources, t, "pods/log", "Pod", List.of("get"));
                resource(resources, t, "pods/portforward", "PodPortForwardOptions", List.of("create", "get"));
            }
        }
        return list;
    }

    private static ObjectNode resource(ArrayNode resources, ResourceType t, String name, String kind,
                                       List<String> verbs) {
        ObjectNode r = resources.addObject();
        r.put("name", name);
        r.put("singularName", "");
        r.put("namespaced", t.namespaced());
        r.put("kind", kind);
        ArrayNode v = r.putArray("verbs");
        verbs.forEach(v::add);
        return r;
    }

    private static Set<String> groups() {
        Set<String> groups = new LinkedHashSet<>();
        ResourceCatalog.ALL.forEach(t -> groups.add(t.group()));
        return groups;
    }
}

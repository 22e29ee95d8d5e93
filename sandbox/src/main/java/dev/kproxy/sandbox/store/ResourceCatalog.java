package dev.kproxy.sandbox.store;

import java.util.List;
import java.util.Optional;

/** The kinds the sandbox knows. Anything else is rejected at apply time and 404s at the API. */
public final class ResourceCatalog {
    public static final ResourceType NAMESPACE = new ResourceType("", "v1", "namespaces", "Namespace", false);
    public static final ResourceType POD = new ResourceType("", "v1", "pods", "Pod", true);
    public static final ResourceType SERVICE = new ResourceType("", "v1", "services", "Service", true);
    public static final ResourceType ENDPOINTS = new ResourceType("", "v1", "endpoints", "Endpoints", true);
    public static final ResourceType CONFIG_MAP = new ResourceType("", "v1", "configmaps", "ConfigMap", true);
    public static final ResourceType SECRET = new ResourceType("", "v1", "secrets", "Secret", true);
    public static final ResourceType EVENT = new ResourceType("", "v1", "events", "Event", true);
    public static final ResourceType DEPLOYMENT = new ResourceType("apps", "v1", "deployments", "Deployment", true);
    public static final ResourceType REPLICA_SET = new ResourceType("apps", "v1", "replicasets", "ReplicaSet", true);
    public static final ResourceType STATEFUL_SET = new ResourceType("apps", "v1", "statefulsets", "StatefulSet", true);
    public static final ResourceType ENDPOINT_SLICE =
            new ResourceType("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);

    public static final List<ResourceType> ALL = List.of(NAMESPACE, POD, SERVICE, ENDPOINTS, CONFIG_MAP, SECRET, EVENT,
            DEPLOYMENT, REPLICA_SET, STATEFUL_SET, ENDPOINT_SLICE);

    private ResourceCatalog() {
    }

    public static Optional<ResourceType> byPlural(String group, String version, String plural) {
        return ALL.stream()
                .filter(t -> t.group().equals(group) && t.version().equals(version) && t.plural().equals(plural))
                .findFirst();
    }

    public static Optional<ResourceType> byKind(String apiVersion, String kind) {
        return ALL.stream().filter(t -> t.apiVersion().equals(apiVersion) && t.kind().equals(kind)).findFirst();
    }
}

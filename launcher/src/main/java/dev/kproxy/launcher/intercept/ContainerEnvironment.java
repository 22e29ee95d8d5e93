package dev.kproxy.launcher.intercept;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The environment the kubelet gives an intercepted app container, resolved on the laptop from the pod and
 * the objects it names, for {@code --env-file}: {@code envFrom} (ConfigMaps, Secrets, with prefixes) first,
 * then {@code env} (literals with {@code $(VAR)} expansion, configMapKeyRef, secretKeyRef, fieldRef,
 * resourceFieldRef: {@link ContainerResourceValue}), later
 * entries overriding earlier ones as in kubelet's kuberuntime makeEnvironmentVariables.
 */
final class ContainerEnvironment {
    private final KubernetesClient client;
    private final Map<String, ConfigMap> configMaps = new LinkedHashMap<>();
    private final Map<String, Secret> secrets = new LinkedHashMap<>();
    private final Map<String, Map<String, Quantity>> allocatable = new LinkedHashMap<>();

    ContainerEnvironment(KubernetesClient client) {
        this.client = client;
    }

    /** The environment of the container serving {@code appPort} in the pod (not kproxy's agent). */
    Map<String, String> of(Pod pod, int appPort) {
        Container container = appContainer(pod, appPort);
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvFromSource from : container.getEnvFrom()) {
            String prefix = Objects.requireNonNullElse(from.getPrefix(), "");
            if (from.getConfigMapRef() != null) {
                boolean optional = Boolean.TRUE.equals(from.getConfigMapRef().getOptional());
                configMap(ns, from.getConfigMapRef().getName(), optional)
                        .ifPresent(cm -> Objects.requireNonNullElse(cm.getData(), Map.<String, String>of())
                                .forEach((k, v) -> env.put(prefix + k, v)));
            }
            if (from.getSecretRef() != null) {
                boolean optional = Boolean.TRUE.equals(from.getSecretRef().getOptional());
                secret(ns, from.getSecretRef().getName(), optional)
                        .ifPresent(s -> Objects.requireNonNullElse(s.getData(), Map.<String, String>of())
                                .forEach((k, v) -> env.put(prefix + k, decode(v))));
            }
        }
        for (EnvVar var : container.getEnv()) {
            if (var.getValueFrom() == null) {
                env.put(var.getName(), expand(Objects.requireNonNullElse(var.getValue(), ""), env));
            } else {
                value(pod, container, var.getName(), var.getValueFrom()).ifPresent(v -> env.put(var.getName(), v));
            }
        }
        return env;
    }

    private static Container appContainer(Pod pod, int appPort) {
        Container first = null;
        for (Container c : pod.getSpec().getContainers()) {
            if (c.getName().equals("kproxy-agent")) {
                continue;
            }
            if (first == null) {
                first = c;
            }
            for (ContainerPort p : c.getPorts()) {
                if (p.getContainerPort() != null && p.getContainerPort() == appPort) {
                    return c;
                }
            }
        }
        if (first == null) {
            throw new IllegalStateException("pod " + pod.getMetadata().getName() + " has no app container");
        }
        return first;
    }

    private Optional<String> value(Pod pod, Container container, String name, EnvVarSource source) {
        String ns = pod.getMetadata().getNamespace();
        if (source.getConfigMapKeyRef() != null) {
            var ref = source.getConfigMapKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<String> v = configMap(ns, ref.getName(), optional)
                    .map(cm -> Objects.requireNonNullElse(cm.getData(), Map.<String, String>of()).get(ref.getKey()));
            return required(v, optional, name, "configmap " + ns + "/" + ref.getName() + " has no key " + ref.getKey());
        }
        if (source.getSecretKeyRef() != null) {
            var ref = source.getSecretKeyRef();
            boolean optional = Boolean.TRUE.equals(ref.getOptional());
            Optional<String> v = secret(ns, ref.getName(), optional)
                    .map(s -> Objects.requireNonNullElse(s.getData(), Map.<String, String>of()).get(ref.getKey()))
                    .map(ContainerEnvironment::decode);
            return required(v, optional, name, "secret " + ns + "/" + ref.getName() + " has no key " + ref.getKey());
        }
        if (source.getFieldRef() != null) {
            return Optional.of(field(pod, source.getFieldRef()));
        }
        if (source.getResourceFieldRef() != null) {
            var ref = source.getResourceFieldRef();
            Container named = ref.getContainerName() == null || ref.getContainerName().isBlank() ? container
                    : pod.getSpec().getContainers().stream().filter(c -> c.getName().equals(ref.getContainerName())).findFirst()
                            .orElseThrow(() -> new IllegalStateException("cannot resolve " + name + ": resourceFieldRef names container "
                                    + ref.getContainerName() + ", which pod " + pod.getMetadata().getName() + " does not have"));
            try {
                // An unset limit is the node's allocatable amount; without read access to nodes it is left out.
                return ContainerResourceValue.of(ref, named, nodeAllocatable(pod));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("cannot resolve " + name + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    /** The pod's node's allocatable resources; empty when the node cannot be read (namespaced RBAC cannot grant it). */
    private Map<String, Quantity> nodeAllocatable(Pod pod) {
        String node = pod.getSpec().getNodeName();
        if (node == null || node.isBlank()) {
            return Map.of();
        }
        return allocatable.computeIfAbsent(node, n -> {
            try {
                Node found = client.nodes().withName(n).get();
                return found == null || found.getStatus() == null || found.getStatus().getAllocatable() == null ? Map.of()
                        : found.getStatus().getAllocatable();
            } catch (KubernetesClientException e) {
                return Map.of();
            }
        });
    }

    private static Optional<String> required(Optional<String> value, boolean optional, String name, String missing) {
        if (value.isEmpty() && !optional) {
            throw new IllegalStateException("cannot resolve " + name + ": " + missing);
        }
        return value;
    }

    /** The downward API's fields (kubernetes pkg/apis/core/validation validEnvDownwardAPIFieldPathExpressions). */
    private static String field(Pod pod, ObjectFieldSelector selector) {
        String path = selector.getFieldPath();
        var meta = pod.getMetadata();
        if (path.startsWith("metadata.labels['") && path.endsWith("']")) {
            return mapEntry(meta.getLabels(), path.substring(17, path.length() - 2));
        }
        if (path.startsWith("metadata.annotations['") && path.endsWith("']")) {
            return mapEntry(meta.getAnnotations(), path.substring(22, path.length() - 2));
        }
        Function<Object, String> text = o -> o == null ? "" : o.toString();
        return switch (path) {
            case "metadata.name" -> meta.getName();
            case "metadata.namespace" -> meta.getNamespace();
            case "metadata.uid" -> text.apply(meta.getUid());
            case "spec.nodeName" -> text.apply(pod.getSpec().getNodeName());
            case "spec.serviceAccountName" -> text.apply(pod.getSpec().getServiceAccountName());
            case "status.podIP" -> text.apply(pod.getStatus().getPodIP());
            case "status.hostIP" -> text.apply(pod.getStatus().getHostIP());
            case "status.podIPs" -> pod.getStatus().getPodIPs() == null ? ""
                    : String.join(",", pod.getStatus().getPodIPs().stream().map(ip -> ip.getIp()).toList());
            case "status.hostIPs" -> pod.getStatus().getHostIPs() == null ? ""
                    : String.join(",", pod.getStatus().getHostIPs().stream().map(ip -> ip.getIp()).toList());
            default -> throw new IllegalStateException("fieldRef " + path + " is not a field the downward API offers");
        };
    }

    private static String mapEntry(Map<String, String> map, String key) {
        return map == null ? "" : Objects.requireNonNullElse(map.get(key), "");
    }

    /** {@code $(VAR)} → an earlier variable's value; {@code $$} → {@code $}; unknown references stay as written. */
    static String expand(String value, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '$' && i + 1 < value.length()) {
                char next = value.charAt(i + 1);
                if (next == '$') {
                    out.append('$');
                    i++;
                    continue;
                }
                int close = value.indexOf(')', i + 2);
                if (next == '(' && close > 0) {
                    String ref = value.substring(i + 2, close);
                    if (env.containsKey(ref)) {
                        out.append(env.get(ref));
                        i = close;
                        continue;
                    }
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    private Optional<ConfigMap> configMap(String ns, String name, boolean optional) {
        return cached(configMaps, name, optional, "configmap " + ns + "/" + name, "configmaps",
                () -> client.configMaps().inNamespace(ns).withName(name).get());
    }

    private Optional<Secret> secret(String ns, String name, boolean optional) {
        return cached(secrets, name, optional, "secret " + ns + "/" + name, "secrets",
                () -> client.secrets().inNamespace(ns).withName(name).get());
    }

    private static <T> Optional<T> cached(Map<String, T> cache, String name, boolean optional, String what, String resource,
                                          java.util.function.Supplier<T> get) {
        if (!cache.containsKey(name)) {
            try {
                cache.put(name, get.get());
            } catch (KubernetesClientException e) {
                if (e.getCode() == 403) {
                    throw new IllegalStateException("you may not get " + what + " for --env-file: ask for the get verb on "
                            + resource + " (see README, Permissions), or drop --env-file");
                }
                throw new IllegalStateException("cannot read " + what + " for --env-file: " + e.getMessage());
            }
        }
        T value = cache.get(name);
        if (value == null && !optional) {
            throw new IllegalStateException(what + " does not exist, and the container's environment needs it");
        }
        return Optional.ofNullable(value);
    }

    private static String decode(String base64) {
        return base64 == null ? "" : new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}

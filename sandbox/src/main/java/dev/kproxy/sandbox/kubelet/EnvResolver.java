package dev.kproxy.sandbox.kubelet;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import tools.jackson.databind.JsonNode;

/**
 * A container's environment as the kubelet builds it (makeEnvironmentVariables in
 * pkg/kubelet/kubelet_pods.go): the image's env first, then {@code envFrom} sources in order
 * (with {@code prefix}), then {@code env} entries in order, each later one overriding. Values of
 * {@code env} expand {@code $(VAR)} against the variables the container itself defined before it
 * and the Service link variables, which come last but never override ({@link ServiceLinkEnv}).
 * Missing required ConfigMaps, Secrets or keys fail with the kubelet's own messages.
 */
public final class EnvResolver {
    private final ConfigDataReader data;
    private final ServiceLinkEnv serviceLinks;

    public EnvResolver(ObjectStore store) {
        this.data = new ConfigDataReader(store);
        this.serviceLinks = new ServiceLinkEnv(store);
    }

    /**
     * @param imageEnv the image's (catalogue entry's) env, already placeholder-expanded; lowest precedence
     * @param podIp    the pod's IP, for {@code status.podIP}
     * @throws ContainerWaitingException CreateContainerConfigError with the reason
     */
    public Map<String, String> resolve(JsonNode pod, JsonNode container, String podIp, Map<String, String> imageEnv)
            throws ContainerWaitingException {
        String namespace = pod.path("metadata").path("namespace").asString("");
        Map<String, String> services = serviceLinks.of(pod);
        Map<String, String> defined = new LinkedHashMap<>();
        for (JsonNode source : container.path("envFrom")) {
            String prefix = source.path("prefix").asString("");
            Optional<Map<String, byte[]>> values;
            if (source.has("configMapRef")) {
                values = required(source.path("configMapRef"), "configmap", data.configMapText(namespace, source.path("configMapRef").path("name").asString("")));
            } else if (source.has("secretRef")) {
                values = required(source.path("secretRef"), "secret", data.secret(namespace, source.path("secretRef").path("name").asString("")));
            } else {
                continue;
            }
            values.ifPresent(v -> v.forEach((k, bytes) -> defined.put(prefix + k, new String(bytes, StandardCharsets.UTF_8))));
        }
        FieldPathResolver fields = new FieldPathResolver(pod, podIp);
        for (JsonNode e : container.path("env")) {
            String name = e.path("name").asString("");
            if (name.isEmpty()) {
                continue;
            }
            JsonNode from = e.path("valueFrom");
            if (from.isMissingNode() || from.isNull()) {
                defined.put(name, EnvVarExpansion.expand(e.path("value").asString(""),
                        v -> defined.containsKey(v) ? defined.get(v) : services.get(v)));
                continue;
            }
            Optional<String> value;
            if (from.has("fieldRef")) {
                value = Optional.of(fields.resolve(from.path("fieldRef").path("fieldPath").asString("")));
            } else if (from.has("configMapKeyRef")) {
                value = keyRef(namespace, from.path("configMapKeyRef"), "configmap", "ConfigMap");
            } else if (from.has("secretKeyRef")) {
                value = keyRef(namespace, from.path("secretKeyRef"), "secret", "Secret");
            } else if (from.has("resourceFieldRef")) {
                throw new ContainerWaitingException("CreateContainerConfigError", "env " + name
                        + ": resourceFieldRef is not supported by the sandbox kubelet; set a plain value instead");
            } else {
                continue;
            }
            value.ifPresent(v -> defined.put(name, v));
        }
        Map<String, String> env = new LinkedHashMap<>(imageEnv);
        env.putAll(services);
        env.putAll(defined);
        return env;
    }

    private Optional<String> keyRef(String namespace, JsonNode ref, String lowerKind, String kind) throws ContainerWaitingException {
        String name = ref.path("name").asString("");
        String key = ref.path("key").asString("");
        Optional<Map<String, byte[]>> values = required(ref, lowerKind,
                lowerKind.equals("configmap") ? data.configMapText(namespace, name) : data.secret(namespace, name));
        if (values.isEmpty()) {
            return Optional.empty();
        }
        byte[] v = values.get().get(key);
        if (v == null) {
            if (ref.path("optional").asBoolean(false)) {
                return Optional.empty();
            }
            throw new ContainerWaitingException("CreateContainerConfigError",
                    "couldn't find key " + key + " in " + kind + " " + namespace + "/" + name);
        }
        return Optional.of(new String(v, StandardCharsets.UTF_8));
    }

    private static Optional<Map<String, byte[]>> required(JsonNode ref, String lowerKind, Optional<Map<String, byte[]>> values)
            throws ContainerWaitingException {
        if (values.isEmpty() && !ref.path("optional").asBoolean(false)) {
            throw new ContainerWaitingException("CreateContainerConfigError",
                    lowerKind + " \"" + ref.path("name").asString("") + "\" not found");
        }
        return values;
    }
}

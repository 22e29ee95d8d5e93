package dev.kproxy.sandbox.kubelet;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;

/**
 * Reads ConfigMap and Secret payloads as bytes, the way env vars and volumes consume them:
 * ConfigMap {@code data} as UTF-8 and {@code binaryData} base64-decoded; Secret {@code data}
 * base64-decoded and {@code stringData} (when an API server stored it unmerged) as UTF-8.
 */
final class ConfigDataReader {
    private final ObjectStore store;

    ConfigDataReader(ObjectStore store) {
        this.store = store;
    }

    /** A ConfigMap's {@code data} and {@code binaryData}, as a volume shows them; empty when it does not exist. */
    Optional<Map<String, byte[]>> configMap(String namespace, String name) {
        return configMap(namespace, name, true);
    }

    /** Only {@code data}: env vars never see {@code binaryData} (makeEnvironmentVariables reads ConfigMap.Data). */
    Optional<Map<String, byte[]>> configMapText(String namespace, String name) {
        return configMap(namespace, name, false);
    }

    private Optional<Map<String, byte[]>> configMap(String namespace, String name, boolean withBinary) {
        return store.get(ResourceCatalog.CONFIG_MAP, namespace, name).map(cm -> {
            Map<String, byte[]> out = new LinkedHashMap<>();
            cm.path("data").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("").getBytes(StandardCharsets.UTF_8)));
            if (withBinary) {
                cm.path("binaryData").properties().forEach(e -> out.put(e.getKey(), decode(e.getValue())));
            }
            return out;
        });
    }

    /** Empty when the Secret does not exist. */
    Optional<Map<String, byte[]>> secret(String namespace, String name) {
        return store.get(ResourceCatalog.SECRET, namespace, name).map(s -> {
            Map<String, byte[]> out = new LinkedHashMap<>();
            s.path("data").properties().forEach(e -> out.put(e.getKey(), decode(e.getValue())));
            s.path("stringData").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("").getBytes(StandardCharsets.UTF_8)));
            return out;
        });
    }

    private static byte[] decode(JsonNode value) {
        return Base64.getMimeDecoder().decode(value.asString(""));
    }
}

package dev.kproxy.sandbox.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class ObjectStoreTest {
    private final JsonMapper json = JsonMapper.builder().build();

    private ObjectNode configMap(String name) {
        ObjectNode o = json.createObjectNode();
        o.putObject("metadata").put("name", name).put("namespace", "ns");
        o.putObject("data").put("k", "v");
        return o;
    }

    @Test
    void watchResumesFromListVersionAndSeesLaterChanges() {
        try (ObjectStore store = new ObjectStore()) {
            store.create(ResourceCatalog.CONFIG_MAP, configMap("a"));
            long listed = store.resourceVersion();
            store.create(ResourceCatalog.CONFIG_MAP, configMap("b"));
            List<String> seen = new CopyOnWriteArrayList<>();
            store.watch(ResourceCatalog.CONFIG_MAP, "ns", listed, e -> seen.add(e.type() + " " + e.name()));
            store.delete(ResourceCatalog.CONFIG_MAP, "ns", "a");
            await().untilAsserted(() -> assertThat(seen).containsExactly("ADDED b", "DELETED a"));
        }
    }

    @Test
    void staleResourceVersionIsAConflict() {
        try (ObjectStore store = new ObjectStore()) {
            ObjectNode created = store.create(ResourceCatalog.CONFIG_MAP, configMap("a"));
            store.modify(ResourceCatalog.CONFIG_MAP, "ns", "a", o -> {
                ((ObjectNode) o.get("data")).put("k", "w");
                return o;
            });
            assertThatThrownBy(() -> store.update(ResourceCatalog.CONFIG_MAP, created))
                    .isInstanceOfSatisfying(StoreException.class,
                            e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.CONFLICT));
        }
    }
}

package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import static org.awaitility.Awaitility.await;

/** A store, a catalogue file and a started kubelet in a temporary directory, plus YAML helpers for tests. */
final class SandboxNode implements AutoCloseable {
    static final YAMLMapper YAML = YAMLMapper.builder().build();

    final ObjectStore store = new ObjectStore();
    final Path catalogFile;
    final Kubelet kubelet;

    SandboxNode(Path dir, String catalogYaml) throws IOException {
        catalogFile = dir.resolve("catalog").resolve("images.yaml");
        Files.createDirectories(catalogFile.getParent());
        Files.writeString(catalogFile, catalogYaml);
        kubelet = new Kubelet(store, new ImageCatalog(catalogFile), dir.resolve("work"));
        kubelet.start();
    }

    static ObjectNode yaml(String text) {
        return (ObjectNode) YAML.readTree(text);
    }

    void create(String yaml) {
        ObjectNode o = yaml(yaml);
        store.create(ResourceCatalog.byKind(o.path("apiVersion").asString("v1"), o.path("kind").asString("")).orElseThrow(), o);
    }

    JsonNode pod(String namespace, String name) {
        return store.get(ResourceCatalog.POD, namespace, name).orElseThrow();
    }

    JsonNode containerStatus(String namespace, String name, String container) {
        for (JsonNode s : pod(namespace, name).path("status").path("containerStatuses")) {
            if (container.equals(s.path("name").asString(""))) {
                return s;
            }
        }
        return tools.jackson.databind.node.MissingNode.getInstance();
    }

    String phase(String namespace, String name) {
        return pod(namespace, name).path("status").path("phase").asString("");
    }

    String waitingReason(String namespace, String name, String container) {
        return containerStatus(namespace, name, container).path("state").path("waiting").path("reason").asString("");
    }

    String condition(String namespace, String name, String type) {
        for (JsonNode c : pod(namespace, name).path("status").path("conditions")) {
            if (type.equals(c.path("type").asString(""))) {
                return c.path("status").asString("");
            }
        }
        return "";
    }

    Path podDir(String namespace, String name) {
        Optional<Path> dir = kubelet.podDirectory(namespace, name);
        return dir.orElseThrow();
    }

    /** The pid behind a running container's {@code containerID} (sandbox://PID). */
    long pid(String namespace, String name, String container) {
        return Long.parseLong(containerStatus(namespace, name, container).path("containerID").asString("").replace("sandbox://", ""));
    }

    /** Waits for a file a container writes, then returns its content. */
    String awaitFile(Path file) throws IOException {
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && Files.size(file) > 0);
        return Files.readString(file);
    }

    @Override
    public void close() {
        kubelet.close();
        store.close();
    }
}

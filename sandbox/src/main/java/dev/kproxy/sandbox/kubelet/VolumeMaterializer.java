package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.kproxy.sandbox.store.ObjectStore;
import tools.jackson.databind.JsonNode;

/**
 * Writes a pod's volumes as plain directories under {@code POD_DIR/volumes/<name>/}: configMap,
 * secret, downwardAPI and projected volumes get one file per key (or per {@code items} entry,
 * honouring {@code mode}/{@code defaultMode}); emptyDir and every other kind is an empty directory
 * kept for the pod's life; hostPath is the host directory itself. Files are replaced atomically,
 * so calling this again refreshes ConfigMap/Secret content as the kubelet's periodic sync does.
 */
final class VolumeMaterializer {
    private static final int DEFAULT_MODE = 0644;

    private final ConfigDataReader data;

    VolumeMaterializer(ObjectStore store) {
        this.data = new ConfigDataReader(store);
    }

    /**
     * @return volume name to the local directory standing in for it
     * @throws ContainerWaitingException ContainerCreating with the kubelet's FailedMount message
     */
    Map<String, Path> materialize(JsonNode pod, Path podDir, String podIp) throws ContainerWaitingException {
        String namespace = pod.path("metadata").path("namespace").asString("");
        Map<String, Path> out = new LinkedHashMap<>();
        for (JsonNode volume : pod.path("spec").path("volumes")) {
            String name = volume.path("name").asString("");
            if (volume.has("hostPath")) {
                Path host = Path.of(volume.path("hostPath").path("path").asString("/"));
                out.put(name, host);
                continue;
            }
            Path dir = podDir.resolve("volumes").resolve(name);
            try {
                Files.createDirectories(dir);
                writeVolume(volume, namespace, dir, new FieldPathResolver(pod, podIp));
            } catch (ContainerWaitingException e) {
                throw new ContainerWaitingException("ContainerCreating",
                        "MountVolume.SetUp failed for volume \"" + name + "\" : " + e.getMessage());
            } catch (IOException e) {
                throw new ContainerWaitingException("ContainerCreating",
                        "MountVolume.SetUp failed for volume \"" + name + "\" : cannot write " + dir + ": " + e.getMessage());
            }
            out.put(name, dir);
        }
        return out;
    }

    private void writeVolume(JsonNode volume, String namespace, Path dir, FieldPathResolver fields)
            throws ContainerWaitingException, IOException {
        if (volume.has("configMap")) {
            JsonNode cm = volume.path("configMap");
            keyedFiles(cm, "configmap", data.configMap(namespace, cm.path("name").asString("")), dir, mode(cm, DEFAULT_MODE));
        } else if (volume.has("secret")) {
            JsonNode s = volume.path("secret");
            keyedFiles(s, "secret", data.secret(namespace, s.path("secretName").asString("")), dir, mode(s, DEFAULT_MODE));
        } else if (volume.has("downwardAPI")) {
            JsonNode d = volume.path("downwardAPI");
            downwardFiles(d.path("items"), fields, dir, mode(d, DEFAULT_MODE));
        } else if (volume.has("projected")) {
            JsonNode p = volume.path("projected");
            int defaultMode = mode(p, DEFAULT_MODE);
            for (JsonNode source : p.path("sources")) {
                if (source.has("configMap")) {
                    JsonNode cm = source.path("configMap");
                    keyedFiles(cm, "configmap", data.configMap(namespace, cm.path("name").asString("")), dir, defaultMode);
                } else if (source.has("secret")) {
                    JsonNode s = source.path("secret");
                    keyedFiles(s, "secret", data.secret(namespace, s.path("name").asString("")), dir, defaultMode);
                } else if (source.has("downwardAPI")) {
                    downwardFiles(source.path("downwardAPI").path("items"), fields, dir, defaultMode);
                }
            }
        }
    }

    private static void keyedFiles(JsonNode ref, String kind, Optional<Map<String, byte[]>> values, Path dir, int defaultMode)
            throws ContainerWaitingException, IOException {
        String name = ref.path(kind.equals("secret") && ref.has("secretName") ? "secretName" : "name").asString("");
        boolean optional = ref.path("optional").asBoolean(false);
        if (values.isEmpty()) {
            if (optional) {
                return;
            }
            throw new ContainerWaitingException("ContainerCreating", kind + " \"" + name + "\" not found");
        }
        Map<String, byte[]> v = values.get();
        if (!ref.has("items")) {
            for (Map.Entry<String, byte[]> e : v.entrySet()) {
                write(dir, e.getKey(), e.getValue(), defaultMode);
            }
            return;
        }
        for (JsonNode item : ref.path("items")) {
            String key = item.path("key").asString("");
            byte[] bytes = v.get(key);
            if (bytes == null) {
                if (optional) {
                    continue;
                }
                throw new ContainerWaitingException("ContainerCreating", kind + " references non-existent config key: " + key);
            }
            write(dir, item.path("path").asString(key), bytes, mode(item, defaultMode));
        }
    }

    private static void downwardFiles(JsonNode items, FieldPathResolver fields, Path dir, int defaultMode)
            throws ContainerWaitingException, IOException {
        for (JsonNode item : items) {
            if (!item.has("fieldRef")) {
                continue;
            }
            String value = fields.resolve(item.path("fieldRef").path("fieldPath").asString(""));
            write(dir, item.path("path").asString(""), value.getBytes(StandardCharsets.UTF_8), mode(item, defaultMode));
        }
    }

    private static int mode(JsonNode node, int fallback) {
        JsonNode m = node.has("mode") ? node.path("mode") : node.path("defaultMode");
        return m.isNumber() ? m.asInt() : fallback;
    }

    private static void write(Path dir, String relative, byte[] content, int mode) throws ContainerWaitingException, IOException {
        Path target = dir.resolve(relative).normalize();
        if (relative.isEmpty() || !target.startsWith(dir) || target.equals(dir)) {
            throw new ContainerWaitingException("ContainerCreating", "item path \"" + relative + "\" must be a relative path inside the volume");
        }
        if (Files.isRegularFile(target) && java.util.Arrays.equals(Files.readAllBytes(target), content)
                && Files.getPosixFilePermissions(target).equals(permissions(mode))) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), ".kproxy", ".tmp");
        try {
            Files.write(tmp, content);
            Files.setPosixFilePermissions(tmp, permissions(mode));
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Kubernetes modes are decimal JSON numbers holding octal permission bits (420 = 0644). */
    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {
                PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
                PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                out.add(order[bit]);
            }
        }
        // The sandbox user must still be able to refresh the file on the next sync.
        out.add(PosixFilePermission.OWNER_READ);
        out.add(PosixFilePermission.OWNER_WRITE);
        return out;
    }
}

package dev.kproxy.sandbox.kubelet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * The sandbox cannot mount anything, so a container's view of its volumeMounts is rewritten
 * instead: a command/args/env value that starts with a mount's {@code mountPath} (the whole path,
 * or the path followed by '/') gets that prefix replaced by the materialised directory (+ subPath);
 * so does the part after the first '=' of an {@code --option=/path} value. The longest mount path wins.
 */
final class MountPathMapper {
    private record Mount(String name, String mountPath, Path local) {
    }

    private final List<Mount> mounts = new ArrayList<>();

    /** @throws ContainerWaitingException CreateContainerConfigError when a mount names no volume */
    MountPathMapper(JsonNode container, Map<String, Path> volumes) throws ContainerWaitingException {
        for (JsonNode m : container.path("volumeMounts")) {
            String name = m.path("name").asString("");
            Path volume = volumes.get(name);
            if (volume == null) {
                throw new ContainerWaitingException("CreateContainerConfigError",
                        "volumeMount \"" + name + "\" of container \"" + container.path("name").asString("") + "\" names no volume of the pod");
            }
            String subPath = m.path("subPath").asString("");
            String mountPath = trimTrailingSlash(m.path("mountPath").asString(""));
            if (!mountPath.isEmpty()) {
                mounts.add(new Mount(name, mountPath, subPath.isEmpty() ? volume : volume.resolve(subPath).normalize()));
            }
        }
        mounts.sort(Comparator.comparingInt((Mount mt) -> mt.mountPath().length()).reversed());
    }

    String map(String value) {
        String direct = mapPrefix(value);
        if (!direct.equals(value)) {
            return direct;
        }
        int eq = value.indexOf('=');
        if (value.startsWith("-") && eq > 0) {
            return value.substring(0, eq + 1) + mapPrefix(value.substring(eq + 1));
        }
        return value;
    }

    List<String> map(List<String> values) {
        return values.stream().map(this::map).toList();
    }

    /** {@code KPROXY_MOUNT_<VOLUME>} = local directory for each mount (volume name upper-cased, non-alphanumerics as '_'). */
    Map<String, String> mountEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        for (Mount m : mounts) {
            env.put("KPROXY_MOUNT_" + m.name().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), m.local().toString());
        }
        return env;
    }

    private String mapPrefix(String value) {
        for (Mount m : mounts) {
            if (value.equals(m.mountPath())) {
                return m.local().toString();
            }
            String prefix = m.mountPath().equals("/") ? "/" : m.mountPath() + "/";
            if (value.startsWith(prefix)) {
                return m.local().resolve(value.substring(prefix.length())).toString();
            }
        }
        return value;
    }

    private static String trimTrailingSlash(String p) {
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}

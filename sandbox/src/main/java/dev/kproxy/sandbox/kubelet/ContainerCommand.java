package dev.kproxy.sandbox.kubelet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.JsonNode;

/**
 * Turns a container spec plus its catalogue entry into a {@link LaunchSpec}, with Kubernetes'
 * rules (pkg/kubelet/kuberuntime/helpers.go, and the Pod docs "Define a Command and Arguments"):
 * {@code command} replaces the image entrypoint, {@code args} replaces the image cmd, and giving
 * only {@code command} drops the image cmd as well. {@code $(VAR)} in command and args expands
 * against the container's environment.
 */
final class ContainerCommand {
    private final ImageCatalog catalog;
    private final EnvResolver envResolver;

    ContainerCommand(ImageCatalog catalog, EnvResolver envResolver) {
        this.catalog = catalog;
        this.envResolver = envResolver;
    }

    LaunchSpec prepare(JsonNode pod, JsonNode container, String podIp, Path podDir, Map<String, Path> volumes)
            throws ContainerWaitingException {
        String image = container.path("image").asString("");
        ImageEntry entry = catalog.resolve(image);
        JsonNode meta = pod.path("metadata");
        CatalogPlaceholders placeholders = new CatalogPlaceholders(Map.of(
                "POD_IP", podIp,
                "POD_NAME", meta.path("name").asString(""),
                "POD_NAMESPACE", meta.path("namespace").asString(""),
                "POD_DIR", podDir.toString(),
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "CATALOG_DIR", catalog.directory().toString()));

        Map<String, String> imageEnv = new LinkedHashMap<>(baseEnv(pod, podDir));
        for (Map.Entry<String, String> e : entry.env().entrySet()) {
            imageEnv.put(e.getKey(), placeholders.expand(entry.pattern(), e.getValue()));
        }
        Map<String, String> env = envResolver.resolve(pod, container, podIp, imageEnv);

        List<String> command = strings(container.path("command"));
        List<String> args = strings(container.path("args"));
        List<String> argv = new ArrayList<>();
        if (!command.isEmpty()) {
            command.forEach(c -> argv.add(EnvVarExpansion.expand(c, env::get)));
        } else {
            argv.addAll(expandAll(entry.pattern(), entry.entrypoint(), placeholders));
        }
        if (!args.isEmpty()) {
            args.forEach(a -> argv.add(EnvVarExpansion.expand(a, env::get)));
        } else if (command.isEmpty()) {
            argv.addAll(expandAll(entry.pattern(), entry.cmd(), placeholders));
        }
        if (argv.isEmpty()) {
            throw new ContainerWaitingException("RunContainerError", "no command specified: the catalogue entry \""
                    + entry.pattern() + "\" has no entrypoint or cmd and container \"" + container.path("name").asString("")
                    + "\" sets no command");
        }

        MountPathMapper mounts = new MountPathMapper(container, volumes);
        Map<String, String> finalEnv = new LinkedHashMap<>();
        env.forEach((k, v) -> finalEnv.put(k, mounts.map(v)));
        finalEnv.putAll(mounts.mountEnv());
        finalEnv.put("KPROXY_SANDBOX_POD_IP", podIp);

        String workingDir = container.path("workingDir").asString("");
        if (workingDir.isEmpty()) {
            workingDir = placeholders.expand(entry.pattern(), entry.workingDir());
        }
        Path cwd = podDir;
        if (!workingDir.isEmpty()) {
            Path mapped = Path.of(mounts.map(workingDir));
            if (Files.isDirectory(mapped)) {
                cwd = mapped;
            }
        }
        return new LaunchSpec(mounts.map(argv), Map.copyOf(finalEnv), cwd, entry, mounts);
    }

    /**
     * What a container runtime gives every container before the image's ENV: a PATH (the host's,
     * since binaries are the host's), HOSTNAME as the pod's hostname, and HOME in the pod directory
     * so tools that write caches there do not share the user's.
     */
    private static Map<String, String> baseEnv(JsonNode pod, Path podDir) {
        Map<String, String> env = new LinkedHashMap<>();
        String path = System.getenv("PATH");
        env.put("PATH", path != null ? path : "/usr/local/bin:/usr/bin:/bin");
        env.put("HOSTNAME", PodNames.hostname(pod));
        env.put("HOME", podDir.toString());
        return env;
    }

    private static List<String> expandAll(String pattern, List<String> values, CatalogPlaceholders placeholders)
            throws ContainerWaitingException {
        List<String> out = new ArrayList<>();
        for (String v : values) {
            out.add(placeholders.expand(pattern, v));
        }
        return out;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString("")));
        return out;
    }
}

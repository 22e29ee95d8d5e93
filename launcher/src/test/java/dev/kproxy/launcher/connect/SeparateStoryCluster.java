package dev.kproxy.launcher.connect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * For benchmarks: the {@link StoryCluster} in a process of its own ({@link StoryClusterProcess}),
 * pinned to the machine's last core when {@code taskset} exists, so that the sandbox's work (TLS,
 * port-forward relay, pods) does not share a JVM or a core with the clients being measured. Run the
 * benchmark itself pinned to the other cores ({@code taskset -c 0}).
 */
final class SeparateStoryCluster implements BenchCluster {
    private final Process process;
    private final Path kubeconfig;
    private final KubernetesClient client;

    private SeparateStoryCluster(Process process, Path kubeconfig) throws IOException {
        this.process = process;
        this.kubeconfig = kubeconfig;
        this.client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    }

    /** {@code latency}: the sandbox's injected port-forward latency. */
    static SeparateStoryCluster start(Duration latency) throws IOException {
        List<String> command = new ArrayList<>();
        int cores = Runtime.getRuntime().availableProcessors();
        if (Files.isExecutable(Path.of("/usr/bin/taskset")) && cores > 1) {
            command.addAll(List.of("/usr/bin/taskset", "-c", Integer.toString(cores - 1)));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), StoryClusterProcess.class.getName(), Long.toString(latency.toMillis())));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = lines.readLine()) != null; ) {
            if (line.startsWith("kubeconfig ")) {
                System.out.println("sandbox in its own process " + process.pid()
                        + (command.get(0).endsWith("taskset") ? ", pinned to core " + command.get(2) : ""));
                return new SeparateStoryCluster(process, Path.of(line.substring("kubeconfig ".length())));
            }
        }
        throw new IllegalStateException("the sandbox process ended before it was ready");
    }

    @Override
    public Path kubeconfig() {
        return kubeconfig;
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public Pod echoPod() {
        return client.pods().inNamespace(StoryCluster.NS).withLabel("app", "echo").list().getItems().stream()
                .filter(p -> p.getStatus() != null && p.getStatus().getPodIP() != null).findFirst().orElseThrow();
    }

    @Override
    public void close() throws Exception {
        client.close();
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}

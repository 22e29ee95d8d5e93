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
import java.util.OptionalLong;
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
        // The machine's cores, not this JVM's: under `taskset -c 0` availableProcessors() is 1, and
        // a child inherits that mask, so the sandbox would share the one core it must stay off.
        int machineCores = machineCores();
        if (Files.isExecutable(Path.of("/usr/bin/taskset")) && machineCores > 1) {
            command.addAll(List.of("/usr/bin/taskset", "-c", Integer.toString(machineCores - 1)));
            if (Runtime.getRuntime().availableProcessors() >= machineCores) {
                System.out.println("warning: this JVM may run on the sandbox's core " + (machineCores - 1)
                        + "; start it with taskset -c 0" + (machineCores > 2 ? "-" + (machineCores - 2) : ""));
            }
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // -Dbench.sandboxJvmOptions="-XX:StartFlightRecording=…": options for the sandbox's JVM only, e.g. to profile it.
        String options = System.getProperty("bench.sandboxJvmOptions", "").strip();
        if (!options.isEmpty()) {
            command.addAll(List.of(options.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), StoryClusterProcess.class.getName(),
                Long.toString(latency.toMillis())));
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
    public OptionalLong sandboxPid() {
        return OptionalLong.of(process.pid());
    }

    /** Online cores of the machine (Linux: /sys/devices/system/cpu/online, e.g. "0-1"), else this JVM's. */
    private static int machineCores() {
        try {
            int highest = -1;
            for (String range : Files.readString(Path.of("/sys/devices/system/cpu/online")).strip().split(",")) {
                String[] ends = range.split("-");
                highest = Math.max(highest, Integer.parseInt(ends[ends.length - 1]));
            }
            return highest + 1;
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().availableProcessors();
        }
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

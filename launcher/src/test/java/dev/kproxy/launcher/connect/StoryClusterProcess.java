package dev.kproxy.launcher.connect;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark's sandbox (sage story plus the echo pod) in a process of its own, so that
 * {@link SeparateStoryCluster} can give the sandbox and the clients under test separate
 * cores: prints {@code kubeconfig PATH} once every pod is ready, and stops when stdin closes. The one argument is the injected port-forward latency in ms.
 */
public final class StoryClusterProcess {
    private StoryClusterProcess() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("kproxy-bench-cluster");
        java.time.Duration latency = java.time.Duration.ofMillis(args.length > 0 ? Long.parseLong(args[0]) : 0);
        try (StoryCluster cluster = StoryCluster.start(dir, latency)) {
            System.out.println("kubeconfig " + cluster.kubeconfig());
            System.out.flush();
            System.in.transferTo(java.io.OutputStream.nullOutputStream());
        }
    }
}

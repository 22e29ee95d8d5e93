package dev.kproxy.launcher.connect;

import java.nio.file.Path;
import java.util.OptionalLong;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;

/** What the benchmarks need of the sage story's sandbox, in this JVM ({@link StoryCluster}) or in its own ({@link SeparateStoryCluster}). */
interface BenchCluster extends AutoCloseable {
    Path kubeconfig();

    KubernetesClient client();

    /** The echo pod the benchmarks measure against (port 7000 echoes, 7001 names the pod, 7002 is a sink). */
    Pod echoPod();

    /** The sandbox's process when it runs in one of its own ({@link SeparateStoryCluster}), for {@link CpuMeter}. */
    default OptionalLong sandboxPid() {
        return OptionalLong.empty();
    }
}

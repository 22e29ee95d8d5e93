package dev.kproxy.sandbox.kubelet;

import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import dev.kproxy.sandbox.store.ObjectStore;

/**
 * What every pod worker of one kubelet shares. The scheduler only times things; anything that
 * blocks (probes, process exits, stopping) runs on the blocking pool. Both are owned by the {@link Kubelet}.
 */
record KubeletContext(ObjectStore store, ContainerCommand command, VolumeMaterializer volumes, HostsFileWriter hosts,
                      PodStatusWriter status, ScheduledExecutorService scheduler, ExecutorService blocking, Path podsDir) {
}

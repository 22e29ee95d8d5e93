package dev.kproxy.sandbox.api;

import java.util.Optional;

/** The output of a pod's container, for {@code GET pods/{name}/log} (kubectl logs). */
public interface PodLogs {
    /** @param container null for the pod's only (or first) container */
    Optional<String> read(String namespace, String podName, String container);
}

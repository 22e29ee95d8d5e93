package dev.kproxy.sandbox.kubelet;

/**
 * How a container takes part in a pod's life. Init containers run one after another before the
 * app containers and must exit 0 (restarted on failure unless restartPolicy is Never); an init
 * container with {@code restartPolicy: Always} is a sidecar (KEP-753): the next one starts once it
 * has started, and it keeps running (and restarting) next to the app containers.
 */
enum ContainerRole {
    INIT, SIDECAR, APP;

    /** Whether a container of this role that exited with {@code exitCode} is started again. */
    boolean restarts(String podRestartPolicy, int exitCode) {
        return switch (this) {
            case SIDECAR -> true;
            case INIT -> exitCode != 0 && !"Never".equals(podRestartPolicy);
            case APP -> "Always".equals(podRestartPolicy) || ("OnFailure".equals(podRestartPolicy) && exitCode != 0);
        };
    }
}

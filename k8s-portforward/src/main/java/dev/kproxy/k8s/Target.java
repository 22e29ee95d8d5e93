package dev.kproxy.k8s;

/** Where {@link TargetResolver} says a connection to {@code host:port} should go. */
public sealed interface Target {

    /** Through port-forward to a port of a pod. */
    record PodTarget(String namespace, String pod, int podPort) implements Target {
    }

    /** Outside the cluster: connect directly from the laptop. */
    record Direct(String host, int port) implements Target {
    }

    /** Nowhere: {@code reason} is one line saying what is wrong and what to do. */
    record Refused(String reason) implements Target {
    }
}

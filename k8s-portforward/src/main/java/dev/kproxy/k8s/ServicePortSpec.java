package dev.kproxy.k8s;

/**
 * One entry of a Service's {@code spec.ports}. {@code targetPort} is the number or the container
 * port name as written in the spec (empty when unset, meaning the same as {@code port}).
 */
public record ServicePortSpec(String name, int port, String protocol, String targetPort) {

    public ServicePortSpec {
        name = name == null ? "" : name;
        protocol = protocol == null ? "TCP" : protocol;
        targetPort = targetPort == null ? "" : targetPort;
    }
}

package dev.kproxy.k8s;

/**
 * A ready endpoint of one service port, from an EndpointSlice: the pod behind it (null when the
 * endpoint is not a pod, e.g. a hand-written slice), its address and the port number on that pod
 * (a named targetPort resolved through the slice's port names), and its DNS hostname if any.
 */
public record ServiceEndpoint(String namespace, String pod, String address, int port, String hostname) {
}

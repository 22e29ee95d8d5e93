package dev.kproxy.dns;

/**
 * A ready endpoint of a service.
 *
 * @param hostname the EndpointSlice endpoint's {@code hostname} (set for StatefulSet pods behind a
 *     headless governing service), or {@code null}
 * @param podName the pod behind the address, or {@code null} when the endpoint is not a pod
 */
public record EndpointEntry(String ip, String hostname, String podName) {}

package dev.kproxy.k8s;

import java.net.URI;
import java.util.regex.Pattern;

/** One port-forward to open: which pod port, through which API server. */
public record PortForwardRequest(URI apiServer, String namespace, String pod, int port) {

    /** DNS-1123 subdomain, what the API server accepts as namespace and pod names. */
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    public PortForwardRequest {
        if (!NAME.matcher(namespace).matches()) {
            throw new IllegalArgumentException("'" + namespace + "' is not a valid namespace name");
        }
        if (!NAME.matcher(pod).matches()) {
            throw new IllegalArgumentException("'" + pod + "' is not a valid pod name");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
    }

    /**
     * The WebSocket URI: {@code GET /api/v1/namespaces/{ns}/pods/{pod}/portforward?ports=N}, below
     * any path prefix of the kubeconfig's server URL (e.g. a Rancher cluster proxy).
     */
    public URI webSocketUri() {
        String scheme = "https".equalsIgnoreCase(apiServer.getScheme()) ? "wss" : "ws";
        String prefix = apiServer.getRawPath() == null ? "" : apiServer.getRawPath();
        return URI.create(scheme + "://" + apiServer.getRawAuthority() + prefix
                + "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/portforward?ports=" + port);
    }

    /** The same resource as an HTTP(S) URI, for the plain SPDY upgrade (ports travel in each stream's headers). */
    public URI httpUri() {
        String prefix = apiServer.getRawPath() == null ? "" : apiServer.getRawPath();
        return URI.create(apiServer.getScheme() + "://" + apiServer.getRawAuthority() + prefix
                + "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/portforward");
    }
}

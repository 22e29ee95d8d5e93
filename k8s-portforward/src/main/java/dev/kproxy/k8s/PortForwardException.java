package dev.kproxy.k8s;

import java.io.IOException;

/**
 * A port-forward connection failed; the message is one line a user can act on.
 * {@link #kind()} lets callers map it to their own protocol's reply (e.g. a SOCKS reply code).
 */
public final class PortForwardException extends IOException {

    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** The API server answered 404: the pod (or its namespace) does not exist. */
        POD_NOT_FOUND,
        /** 403: RBAC does not allow {@code create pods/portforward}. */
        FORBIDDEN,
        /** 401 (after one credential refresh): the kubeconfig's credentials were rejected. */
        UNAUTHORIZED,
        /** The kubelet/runtime reported an error on the error channel, e.g. nothing listens on the port. */
        REMOTE_ERROR,
        /** The API server could not be reached or the TLS handshake failed. */
        UNREACHABLE,
        /** The peer broke the port-forward protocol, or answered with an unexpected status. */
        PROTOCOL
    }

    private final Kind kind;

    public PortForwardException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public PortForwardException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

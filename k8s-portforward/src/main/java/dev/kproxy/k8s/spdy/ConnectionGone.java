package dev.kproxy.k8s.spdy;

import java.io.IOException;

/**
 * A stream could not be opened because its upgraded connection ended or stopped taking streams
 * before the API server answered: nothing reached the pod, so the transport retries on a fresh
 * connection instead of failing the caller.
 */
final class ConnectionGone extends IOException {

    private static final long serialVersionUID = 1L;

    ConnectionGone(String message) {
        super(message);
    }
}

package dev.kproxy.k8s.spdy;

import java.io.IOException;

/**
 * The API server (or a proxy before it) does not speak this carrier: a non-101 answer that is not
 * about the pod or the credentials, or a 101 for another protocol. Negotiation moves on to the
 * next transport; the message (e.g. {@code tunnel refused 400: ...}) goes into {@code kproxy status}.
 */
final class ProtocolRefused extends IOException {

    private static final long serialVersionUID = 1L;

    ProtocolRefused(String message) {
        super(message);
    }
}

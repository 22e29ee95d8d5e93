package dev.kproxy.sandbox.network;

import java.util.List;
import java.util.Optional;

/**
 * The port-forward wire protocols a client can ask for in {@code Sec-WebSocket-Protocol}.
 *
 * <p>The channel protocols frame each WebSocket message as one channel byte and a payload
 * (apimachinery/pkg/util/httpstream/wsstream/conn.go). The kubelet offers "" and the two v4
 * names (kubelet/pkg/cri/streaming/portforward/websocket.go); the v1 names frame identically and
 * are accepted too, because a client that picks them gets the same bytes.
 *
 * <p>The SPDY modes ({@code SPDY/3.1+portforward.k8s.io} tunnelled in a WebSocket, and the plain
 * {@code Upgrade: SPDY/3.1}) carry many TCP connections per upgrade and are not channel protocols:
 * {@link PortForwardServer} hands them to {@link SpdyUpgrade} before selecting one of these.
 */
public enum PortForwardProtocol {
    V4_BINARY("v4.channel.k8s.io", false),
    V4_BASE64("v4.base64.channel.k8s.io", true),
    V1_BINARY("channel.k8s.io", false),
    V1_BASE64("base64.channel.k8s.io", true),
    /** No subprotocol requested: the kubelet maps "" to binary framing. */
    UNNAMED("", false);

    private final String subprotocol;
    private final boolean base64;

    PortForwardProtocol(String subprotocol, boolean base64) {
        this.subprotocol = subprotocol;
        this.base64 = base64;
    }

    public String subprotocol() {
        return subprotocol;
    }

    public boolean base64() {
        return base64;
    }

    /** The name counters use: the subprotocol, or "none" when the client asked for none. */
    public String label() {
        return subprotocol.isEmpty() ? "none" : subprotocol;
    }

    /**
     * The first requested subprotocol the sandbox serves, in the client's order as in
     * wsstream/conn.go {@code handshake}; UNNAMED when the client requested none.
     */
    public static Optional<PortForwardProtocol> select(List<String> requested) {
        if (requested.isEmpty()) {
            return Optional.of(UNNAMED);
        }
        for (String r : requested) {
            for (PortForwardProtocol p : values()) {
                if (p != UNNAMED && p.subprotocol.equals(r)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /** The names a client can pick, for the refusal message. */
    public static List<String> supported() {
        return List.of(V4_BINARY.subprotocol, V4_BASE64.subprotocol, V1_BINARY.subprotocol, V1_BASE64.subprotocol);
    }
}

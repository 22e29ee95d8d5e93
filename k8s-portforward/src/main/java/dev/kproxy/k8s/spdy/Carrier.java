package dev.kproxy.k8s.spdy;

/** How the SPDY/3.1 byte stream of a multiplexed port-forward reaches the API server. */
enum Carrier {
    /** KEP-4006: a WebSocket with subprotocol {@code SPDY/3.1+portforward.k8s.io}, SPDY inside binary messages. */
    TUNNEL("tunnel", "SPDY/3.1+portforward.k8s.io"),
    /** The classic {@code Upgrade: SPDY/3.1} with {@code X-Stream-Protocol-Version: portforward.k8s.io}. */
    PLAIN("spdy", "SPDY/3.1");

    private final String label;
    private final String protocol;

    Carrier(String label, String protocol) {
        this.label = label;
        this.protocol = protocol;
    }

    /** The name {@code --transport} and {@code kproxy status} use. */
    String label() {
        return label;
    }

    /** The WebSocket subprotocol (tunnel) or Upgrade token (plain). */
    String protocol() {
        return protocol;
    }
}

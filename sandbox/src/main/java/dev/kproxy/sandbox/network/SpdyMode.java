package dev.kproxy.sandbox.network;

/**
 * The two ways kubectl carries port-forward over SPDY/3.1. Either way one upgraded connection
 * carries many forwarded TCP connections, each as an error/data stream pair.
 */
enum SpdyMode {
    /**
     * SPDY tunnelled in a WebSocket (KEP-4006; kubectl's first choice from 1.31): binary messages
     * carry the raw SPDY byte stream.
     */
    TUNNEL("SPDY/3.1+portforward.k8s.io"),
    /** The classic {@code Upgrade: SPDY/3.1} with {@code X-Stream-Protocol-Version: portforward.k8s.io}. */
    PLAIN("SPDY/3.1");

    private final String label;

    SpdyMode(String label) {
        this.label = label;
    }

    /** The name counters use; for {@link #TUNNEL} also the exact WebSocket subprotocol. */
    String label() {
        return label;
    }
}

package dev.kproxy.k8s.spdy;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** What {@code kproxy connect --transport} asks for. */
public enum TransportMode {
    /** Try the tunnel, then plain SPDY, then one WebSocket per connection; remember what worked. */
    AUTO,
    /** SPDY/3.1 tunnelled in one WebSocket per pod ({@code SPDY/3.1+portforward.k8s.io}). */
    TUNNEL,
    /** SPDY/3.1 over an {@code Upgrade: SPDY/3.1} connection per pod. */
    SPDY,
    /** One {@code v4.channel.k8s.io} WebSocket per connection (no half-close, one upgrade each). */
    WEBSOCKET;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code auto|tunnel|spdy|websocket}; anything else is an IllegalArgumentException naming the choices. */
    public static TransportMode parse(String text) {
        for (TransportMode mode : values()) {
            if (mode.label().equalsIgnoreCase(text.strip())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + text + "'; use one of "
                + Arrays.stream(values()).map(TransportMode::label).collect(Collectors.joining(", ")));
    }
}

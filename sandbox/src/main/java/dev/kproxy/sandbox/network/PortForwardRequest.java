package dev.kproxy.sandbox.network;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * The ports a port-forward request asks for, parsed as the kubelet parses them
 * (kubelet/pkg/cri/streaming/portforward/websocket.go {@code NewV4Options}): every {@code ports}
 * query value, each possibly a comma-separated list, each an unsigned 16-bit number above 0.
 */
public record PortForwardRequest(List<Integer> ports) {

    public PortForwardRequest {
        ports = List.copyOf(ports);
    }

    /** The parsed request, or a {@link Rejected} carrying the kubelet's wording of what is wrong. */
    public static PortForwardRequest parse(String uri) {
        Map<String, List<String>> query = new QueryStringDecoder(uri).parameters();
        List<String> values = query.getOrDefault("ports", List.of());
        if (values.isEmpty()) {
            throw new Rejected("query parameter \"ports\" is required");
        }
        List<Integer> ports = new ArrayList<>();
        for (String value : values) {
            if (value.isEmpty()) {
                throw new Rejected("query parameter \"ports\" cannot be empty");
            }
            for (String p : value.split(",", -1)) {
                int port;
                try {
                    port = Integer.parseInt(p.trim());
                } catch (NumberFormatException e) {
                    throw new Rejected("unable to parse \"" + value + "\" as a port: invalid syntax");
                }
                if (port < 1 || port > 65535) {
                    throw new Rejected("port \"" + p + "\" must be between 1 and 65535");
                }
                ports.add(port);
            }
        }
        return new PortForwardRequest(ports);
    }

    /** A request the kubelet would answer with 400 Bad Request. */
    public static final class Rejected extends RuntimeException {
        public Rejected(String message) {
            super(message, null, false, false);
        }
    }
}

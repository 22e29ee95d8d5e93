package dev.kproxy.agent;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A personal intercept: only connections whose first HTTP request carries this header with this value go
 * to the laptop. Header names compare case-insensitively (RFC 9110 section 5.1); values exactly, after
 * trimming surrounding whitespace (RFC 9110 section 5.5).
 */
public record HeaderRule(String name, String value) {

    public HeaderRule {
        name = name.trim().toLowerCase(Locale.ROOT);
        value = value.trim();
        if (name.isEmpty() || !name.chars().allMatch(HeaderRule::isTokenChar)) {
            throw new IllegalArgumentException("header name '" + name + "' is not an HTTP token");
        }
    }

    /** Parses {@code name=value}. */
    static HeaderRule parse(String text) throws AgentConfigException {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new AgentConfigException("KPROXY_AGENT_HEADER '" + text + "' is not name=value (for example x-kproxy-user=alice)");
        }
        try {
            return new HeaderRule(text.substring(0, eq), text.substring(eq + 1));
        } catch (IllegalArgumentException e) {
            throw new AgentConfigException("KPROXY_AGENT_HEADER: " + e.getMessage());
        }
    }

    /** True when the request head (request line and header lines, ISO-8859-1) has the header with the value. */
    boolean matches(byte[] requestHead) {
        String head = new String(requestHead, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).toLowerCase(Locale.ROOT).equals(name)
                    && line.substring(colon + 1).trim().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTokenChar(int c) {
        return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    @Override
    public String toString() {
        return name + "=" + value;
    }
}

package dev.kproxy.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A personal intercept's rules: a connection goes to the laptop only when its first HTTP request
 * carries every one of these headers (as Telepresence's repeated {@code --http-header}). Given in
 * KPROXY_AGENT_HEADER as one {@code name=value} per line: header values cannot hold CR or LF
 * (RFC 9110 section 5.5), so a newline never splits a rule.
 */
public record HeaderRules(List<HeaderRule> rules) {
    public static final HeaderRules NONE = new HeaderRules(List.of());

    public HeaderRules {
        rules = List.copyOf(rules);
    }

    static HeaderRules parse(String text) throws AgentConfigException {
        List<HeaderRule> rules = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank()) {
                rules.add(HeaderRule.parse(line.trim()));
            }
        }
        return new HeaderRules(rules);
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** True when the request head has every header with its value. */
    boolean matches(byte[] requestHead) {
        for (HeaderRule rule : rules) {
            if (!rule.matches(requestHead)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return rules.stream().map(HeaderRule::toString).collect(Collectors.joining(" and "));
    }
}

package dev.kproxy.agent;

/** The agent listens on {@code agentPort} for what used to go to the application's {@code appPort}. */
public record PortMapping(int agentPort, int appPort) {

    /** Parses {@code agentPort:appPort}. */
    static PortMapping parse(String text) throws AgentConfigException {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 2) {
            throw new AgentConfigException("KPROXY_AGENT_PORTS entry '" + text.trim()
                    + "' is not agentPort:appPort (for example 10519:50100)");
        }
        return new PortMapping(port(parts[0], text, true), port(parts[1], text, false));
    }

    private static int port(String text, String entry, boolean zeroAllowed) throws AgentConfigException {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= (zeroAllowed ? 0 : 1) && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new AgentConfigException("KPROXY_AGENT_PORTS entry '" + entry.trim() + "' has an invalid port '" + text + "'");
    }
}

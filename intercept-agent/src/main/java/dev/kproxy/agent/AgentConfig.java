package dev.kproxy.agent;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The agent's settings, all from environment variables (see README.md):
 * KPROXY_AGENT_PORTS, KPROXY_AGENT_TUNNEL_PORT, KPROXY_AGENT_TUNNEL_ADDRESS, KPROXY_AGENT_APP_HOST,
 * KPROXY_AGENT_LISTEN_ADDRESS and KPROXY_AGENT_HEADER (one name=value per line).
 */
public record AgentConfig(List<PortMapping> ports, int tunnelPort, List<InetAddress> tunnelAddresses,
                          InetAddress appHost, InetAddress listenAddress, HeaderRules headers) {
    public static final int DEFAULT_TUNNEL_PORT = 9713;
    static final String DEFAULT_TUNNEL_ADDRESSES = "127.0.0.1,::1";

    public AgentConfig {
        ports = List.copyOf(ports);
        tunnelAddresses = List.copyOf(tunnelAddresses);
    }

    public static AgentConfig fromEnvironment(Map<String, String> env) throws AgentConfigException {
        String portsText = env.getOrDefault("KPROXY_AGENT_PORTS", "").trim();
        if (portsText.isEmpty()) {
            throw new AgentConfigException("KPROXY_AGENT_PORTS is not set; give agentPort:appPort pairs, comma separated"
                    + " (for example 10519:50100)");
        }
        List<PortMapping> ports = new ArrayList<>();
        for (String entry : portsText.split(",")) {
            if (!entry.isBlank()) {
                ports.add(PortMapping.parse(entry));
            }
        }
        int tunnelPort = tunnelPort(env.get("KPROXY_AGENT_TUNNEL_PORT"));
        List<InetAddress> tunnelAddresses = new ArrayList<>();
        for (String address : env.getOrDefault("KPROXY_AGENT_TUNNEL_ADDRESS", DEFAULT_TUNNEL_ADDRESSES).split(",")) {
            if (!address.isBlank()) {
                tunnelAddresses.add(ipAddress("KPROXY_AGENT_TUNNEL_ADDRESS", address));
            }
        }
        if (tunnelAddresses.isEmpty()) {
            throw new AgentConfigException("KPROXY_AGENT_TUNNEL_ADDRESS is empty; give at least one IP address");
        }
        InetAddress appHost = ipAddress("KPROXY_AGENT_APP_HOST", env.getOrDefault("KPROXY_AGENT_APP_HOST", "127.0.0.1"));
        InetAddress listen = ipAddress("KPROXY_AGENT_LISTEN_ADDRESS", env.getOrDefault("KPROXY_AGENT_LISTEN_ADDRESS", "0.0.0.0"));
        HeaderRules headers = HeaderRules.parse(env.getOrDefault("KPROXY_AGENT_HEADER", ""));
        return new AgentConfig(ports, tunnelPort, tunnelAddresses, appHost, listen, headers);
    }

    private static int tunnelPort(String text) throws AgentConfigException {
        if (text == null || text.isBlank()) {
            return DEFAULT_TUNNEL_PORT;
        }
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new AgentConfigException("KPROXY_AGENT_TUNNEL_PORT '" + text + "' is not a port number");
    }

    /** Only literal IP addresses: the agent must not depend on DNS to decide what it binds or trusts. */
    private static InetAddress ipAddress(String variable, String text) throws AgentConfigException {
        String literal = text.trim();
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        if (!literal.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new AgentConfigException(variable + " '" + text.trim() + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AgentConfigException(variable + " '" + text.trim() + "' is not an IP address");
        }
    }
}

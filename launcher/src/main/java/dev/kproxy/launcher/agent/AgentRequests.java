package dev.kproxy.launcher.agent;

import java.util.List;
import java.util.Set;

/**
 * The agent protocol, one line each way (kept plain so the agent needs no JSON library):
 * <pre>
 * config             → ok domain=D ns=DEFAULT watched=a,b|* ranges=CIDR,... names=svc.ns:IP,...
 * resolve NAME       → ok IP [IP...]     | none   (not a cluster name: the JDK resolves it)
 * route IP PORT      → ok LOOPBACK_PORT  | none   (not a cluster address: connect directly)
 * </pre>
 * Anything else gets {@code error <one line>}.
 */
final class AgentRequests {
    private final ClusterNames names;
    private final LoopbackListeners listeners;
    private final String namespace;
    private final Set<String> watched;

    /** @param watched the watched namespaces; empty when all are */
    AgentRequests(ClusterNames names, LoopbackListeners listeners, String namespace, Set<String> watched) {
        this.names = names;
        this.listeners = listeners;
        this.namespace = namespace;
        this.watched = watched;
    }

    String answer(String line) {
        String[] words = line.strip().split(" ");
        try {
            return switch (words[0]) {
                case "config" -> "ok domain=" + names.domain() + " ns=" + namespace
                        + " watched=" + (watched.isEmpty() ? "*" : String.join(",", watched.stream().sorted().toList()))
                        + " ranges=" + names.ranges() + " names=" + names.serviceNames();
                case "resolve" -> words.length == 2 ? resolve(words[1]) : "error usage: resolve NAME";
                case "route" -> words.length == 3 ? route(words[1], Integer.parseInt(words[2])) : "error usage: route IP PORT";
                default -> "error unknown request \"" + words[0] + "\" (config, resolve, route)";
            };
        } catch (NumberFormatException e) {
            return "error not a port: " + e.getMessage();
        } catch (RuntimeException e) {
            return "error " + String.valueOf(e.getMessage()).replace('\n', ' ');
        }
    }

    private String resolve(String name) {
        List<String> ips = names.resolve(name);
        return ips.isEmpty() ? "none" : "ok " + String.join(" ", ips);
    }

    private String route(String ip, int port) {
        if (port < 1 || port > 65535) {
            return "error port out of range: " + port;
        }
        return names.isClusterAddress(ip) ? "ok " + listeners.portFor(ip, port) : "none";
    }
}

package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.daemon.DaemonFiles;
import dev.kproxy.launcher.OutputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.Map;

/** {@code kproxy status}: what the connect daemon serves and how it is doing. */
@Command(name = "status", description = "Show the connection: context, namespaces, ports, uptime, connections, bytes, recent errors.")
public final class StatusCommand implements Runnable {

    @Mixin
    OutputFormat format;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode s = ((ObjectNode) DaemonFiles.in(KproxyHome.resolve()).client().call("status")).deepCopy();
        s.remove("ok");
        if (format.json()) {
            OutputFormat.printJson(out, s);
            out.flush();
            return;
        }
        out.printf("Context      %s%n", s.path("context").asString());
        out.printf("Namespaces   %s (bare names: %s)%n", ConnectCommand.namespaces(s), s.path("namespace").asString());
        out.printf("Proxy        %s:%d (SOCKS5, SOCKS4a, HTTP)%s%n", s.path("proxyAddress").asString(), s.path("proxyPort").asInt(),
                s.path("direct").asBoolean() ? "" : ", --no-direct");
        out.printf("DNS          %s%n", ConnectCommand.dns(s));
        out.printf("Uptime       %s (daemon pid %d)%n", uptime(s.path("uptimeSeconds").asLong()), s.path("pid").asLong());
        out.printf("Connections  %d open, %d since start, %d port-forwards open%n", s.path("openConnections").asInt(),
                s.path("totalConnections").asLong(), s.path("openPortForwards").asInt());
        out.printf("Transport    %s%n", s.path("transport").asString());
        out.printf("Bytes        %d to the cluster, %d from it%n", s.path("bytesToCluster").asLong(), s.path("bytesFromCluster").asLong());
        JsonNode agent = s.path("javaAgent");
        if (!agent.isMissingNode()) {
            out.printf("Java agent   %d cluster destinations on loopback listeners (agents ask on %s)%n",
                    agent.path("agentListeners").asInt(), agent.path("agentSocket").asString());
        }
        JsonNode errors = s.path("recentErrors");
        if (errors.isEmpty()) {
            out.println("Errors       none");
        } else {
            out.println("Recent errors (per target)");
            for (Map.Entry<String, JsonNode> target : errors.properties()) {
                for (JsonNode e : target.getValue()) {
                    out.printf("  %-32s %s %-7s %s%n", target.getKey(), e.path("at").asString(), e.path("protocol").asString(),
                            e.path("message").asString());
                }
            }
        }
        out.flush();
    }

    private static String uptime(long seconds) {
        return seconds >= 3600 ? (seconds / 3600) + "h" + (seconds % 3600 / 60) + "m"
                : seconds >= 60 ? (seconds / 60) + "m" + (seconds % 60) + "s" : seconds + "s";
    }
}

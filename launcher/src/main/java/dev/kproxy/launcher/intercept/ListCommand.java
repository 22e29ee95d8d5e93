package dev.kproxy.launcher.intercept;

import dev.kproxy.launcher.OutputFormat;
import dev.kproxy.launcher.daemon.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** {@code kproxy list}: the namespace's services, the workload each selects, their ports and intercept state. */
@Command(name = "list", description = "List the workloads behind services, their ports and whether they are intercepted.")
public final class ListCommand implements Runnable {
    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "namespace (default: the daemon's)")
    String namespace;

    @Mixin
    OutputFormat format;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ObjectNode request = ControlClient.request("list");
        if (namespace != null) {
            request.put("namespace", namespace);
        }
        ObjectNode answer = ((ObjectNode) DaemonCall.call(request)).deepCopy();
        answer.remove("ok");
        PrintWriter out = spec.commandLine().getOut();
        if (format.json()) {
            OutputFormat.printJson(out, answer);
            out.flush();
            return;
        }
        JsonNode rows = answer.path("workloads");
        if (rows.isEmpty()) {
            out.println("No services with a selector in namespace " + answer.path("namespace").asString() + ".");
        }
        for (JsonNode row : rows) {
            List<String> ports = new ArrayList<>();
            row.path("ports").forEach(p -> ports.add((p.path("name").asString("").isEmpty() ? "" : p.path("name").asString() + " ")
                    + p.path("port").asInt() + "→" + p.path("targetPort").asString()));
            String what = row.path("workload").asString("").isEmpty() ? "no workload"
                    : row.path("workload").asString();
            out.printf("%-20s: %s (service %s, ports %s)%n", row.path("workload").asString("").replaceFirst("^[^/]*/", "").isEmpty()
                    ? row.path("service").asString() : row.path("workload").asString().replaceFirst("^[^/]*/", ""),
                    state(row), row.path("service").asString() + " → " + what, String.join(", ", ports));
        }
        out.flush();
    }

    private static String state(JsonNode row) {
        JsonNode i = row.path("intercept");
        return switch (row.path("state").asString()) {
            case "ACTIVE" -> "intercepted by " + i.path("name").asString() + ", port " + i.path("servicePort").asString() + " → "
                    + i.path("destination").asString() + ", " + i.path("attachedPods").asInt() + "/" + i.path("agentPods").asInt()
                    + " pods attached, " + i.path("intercepting").asString();
            case "INSTALLING" -> "intercept " + i.path("name").asString() + " installing: " + i.path("progress").asString();
            case "INSTALLED" -> "agent installed by an earlier kproxy, not attached (resume: kproxy intercept; restore: kproxy leave)";
            case "READY" -> "ready to intercept";
            case "FAILED" -> "intercept failed: " + i.path("error").asString();
            default -> "cannot be intercepted: " + row.path("problem").asString();
        };
    }
}

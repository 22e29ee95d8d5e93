package dev.kproxy.launcher.intercept;

import dev.kproxy.launcher.daemon.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** {@code kproxy leave NAME}: ends an intercept and restores the workload and Service exactly. */
@Command(name = "leave", description = "End an intercept: the agent goes, the workload and service are restored exactly.")
public final class LeaveCommand implements Runnable {
    @Parameters(index = "0", paramLabel = "NAME", description = "the intercept's name")
    String name;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "namespace of an intercept an earlier daemon left (default: the daemon's)")
    String namespace;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        ObjectNode request = ControlClient.request("leave").put("name", name);
        if (namespace != null) {
            request.put("namespace", namespace);
        }
        JsonNode answer = DaemonCall.call(request);
        List<String> restored = new ArrayList<>();
        answer.path("restored").forEach(r -> restored.add(r.asString()));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Left intercept " + name + (restored.isEmpty() ? "." : "; restored " + String.join(", ", restored) + "."));
        out.flush();
    }
}

package dev.kproxy.launcher.sandbox;

import java.io.PrintWriter;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.OutputFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "status", description = "Show the running sandbox: pods, services and port-forward counters.")
public final class SandboxStatus implements Runnable {
    @Mixin
    OutputFormat format;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        var state = SandboxState.read(KproxyHome.resolve());
        if (state.isEmpty()) {
            out.println("No sandbox is running. Start one with `kproxy sandbox up -f FILE.yaml`.");
            return;
        }
        JsonNode status = SandboxClient.fromKubeconfig(state.get().kubeconfig()).status();
        if (format.json()) {
            OutputFormat.printJson(out, status);
            return;
        }
        out.printf("API server  %s (pid %d)%nkubeconfig  %s%n", state.get().apiServer(), state.get().pid(), state.get().kubeconfig());
        out.printf("%nPODS%n%-12s %-28s %-8s %-6s %-9s %s%n", "NAMESPACE", "NAME", "PHASE", "READY", "RESTARTS", "IP");
        for (JsonNode p : status.path("pods")) {
            out.printf("%-12s %-28s %-8s %-6s %-9s %s%n", p.path("namespace").asString(), p.path("name").asString(),
                    p.path("phase").asString(), p.path("ready").asString(), p.path("restarts").asString(), p.path("ip").asString());
        }
        out.printf("%nSERVICES%n%-12s %-20s %-10s %-14s %s%n", "NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "PORTS");
        for (JsonNode s : status.path("services")) {
            out.printf("%-12s %-20s %-10s %-14s %s%n", s.path("namespace").asString(), s.path("name").asString(),
                    s.path("type").asString(), s.path("clusterIP").asString(), s.path("ports").asString());
        }
        out.printf("%nPORT-FORWARD STREAMS (per pod)%n%-12s %-28s %-7s %-7s %-14s %s%n",
                "NAMESPACE", "NAME", "OPENED", "CLOSED", "BYTES-TO-POD", "BYTES-FROM-POD");
        JsonNode portForward = status.path("portForward");
        for (JsonNode c : portForward.path("pods")) {
            out.printf("%-12s %-28s %-7s %-7s %-14s %s%n", c.path("namespace").asString(), c.path("name").asString(),
                    c.path("streamsOpened").asString(), c.path("streamsClosed").asString(),
                    c.path("bytesClientToPod").asString(), c.path("bytesPodToClient").asString());
        }
        out.println("upgrades by protocol: " + portForward.path("upgradesByProtocol"));
        out.println("streams by protocol:  " + portForward.path("streamsByProtocol"));
        out.println("kubelet connections:  " + status.path("kubeletConnections").asString("0")
                + " (the API server opens one per port-forward upgrade)");
        out.flush();
    }
}

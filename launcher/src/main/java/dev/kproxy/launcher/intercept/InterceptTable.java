package dev.kproxy.launcher.intercept;

import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;

/** An intercept in the shape Telepresence users know ({@code telepresence intercept}'s summary). */
final class InterceptTable {
    private InterceptTable() {
    }

    static void print(PrintWriter out, JsonNode s) {
        out.println("Using " + s.path("workloadKind").asString() + " " + s.path("workload").asString().replaceFirst("^[^/]*/", ""));
        row(out, "Intercept name", s.path("name").asString());
        row(out, "State", s.path("state").asString());
        row(out, "Workload kind", s.path("workloadKind").asString());
        row(out, "Destination", s.path("destination").asString());
        row(out, "Service Port Identifier", s.path("servicePort").asString());
        row(out, "Intercepting", s.path("intercepting").asString());
        row(out, "Agents", s.path("attachedPods").asInt() + "/" + s.path("agentPods").asInt() + " pods attached");
    }

    private static void row(PrintWriter out, String label, String value) {
        out.printf("   %-23s: %s%n", label, value);
    }
}

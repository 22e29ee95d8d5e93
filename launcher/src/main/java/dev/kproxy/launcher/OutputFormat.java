package dev.kproxy.launcher;

import java.io.PrintWriter;

import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The {@code -o text|json} option the status commands share (a picocli mixin). */
public final class OutputFormat {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json")
    String output = "text";

    public boolean json() {
        return "json".equals(output);
    }

    public static void printJson(PrintWriter out, JsonNode node) {
        out.println(JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValueAsString(node));
    }
}

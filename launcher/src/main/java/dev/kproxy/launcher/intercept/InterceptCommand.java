package dev.kproxy.launcher.intercept;

import dev.kproxy.intercept.InterceptSpec;
import dev.kproxy.launcher.DurationConverter;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.daemon.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code kproxy intercept NAME LOCAL[:REMOTE]}: asks the daemon to put the agent beside the workload and to
 * tunnel the Service port's cluster traffic to 127.0.0.1:LOCAL, shows the rollout's progress, and returns
 * once every agent pod is attached. The intercept lives in the daemon until {@code kproxy leave}.
 */
@Command(name = "intercept",
        description = {"Send the cluster's traffic for a service port to a port on this machine.",
                "Adds kproxy's agent beside the workload's app: no privileges, no cluster-wide install.",
                "Without the laptop, the agent passes traffic to the app. Undo with `kproxy leave NAME`."})
public final class InterceptCommand implements Runnable {
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(60);

    @Parameters(index = "0", paramLabel = "NAME", description = "the intercept's name; also the workload's and service's unless --workload/--service")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "LOCAL[:REMOTE]",
            description = "local port, and the service port's number or name (may be left out when the service has one port)")
    String ports;

    @Option(names = {"-p", "--port"}, paramLabel = "LOCAL[:REMOTE]", description = "the same as the LOCAL[:REMOTE] argument")
    String portOption;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "namespace (default: the daemon's)")
    String namespace;

    @Option(names = "--workload", paramLabel = "W", description = "the workload to intercept (its service is found)")
    String workload;

    @Option(names = "--service", paramLabel = "S", description = "the service whose port to intercept (default: NAME)")
    String service;

    @Option(names = "--env-file", paramLabel = "FILE", description = "write the intercepted container's environment here")
    Path envFile;

    @Option(names = "--env-syntax", paramLabel = "SYNTAX", description = "sh (default), docker or json")
    String envSyntax = "sh";

    @Option(names = "--http-header", paramLabel = "K=V",
            description = "personal intercept: only HTTP connections whose first request carries this header come here;"
                    + " repeat it to require several")
    List<String> headers = new ArrayList<>();

    @Option(names = "--agent-image", paramLabel = "IMG", description = "image running the agent; any Java 17+ JRE (default: eclipse-temurin:17-jre)")
    String agentImage;

    @Option(names = "--rollout-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "how long to wait for the workload's pods to be ready with the agent (default: 2m)")
    Duration rolloutTimeout = InterceptSpec.DEFAULT_ROLLOUT_TIMEOUT;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        String[] localRemote = localAndRemote();
        int local = localPort(localRemote[0]);
        EnvFile syntax = EnvFile.of(envSyntax);
        InterceptRequest request = new InterceptRequest(name, Optional.ofNullable(namespace), Optional.ofNullable(workload),
                Optional.ofNullable(service), local, Optional.ofNullable(localRemote[1]), headers,
                Optional.ofNullable(agentImage), envFile != null, rolloutTimeout.toMillis());
        DaemonCall.call(request.toJson("intercept"));
        JsonNode status = awaitAttached(out);
        InterceptTable.print(out, status);
        if (envFile != null) {
            writeEnvironment(out, status, syntax);
        }
        out.flush();
    }

    private String[] localAndRemote() {
        if (ports != null && portOption != null && !ports.equals(portOption)) {
            throw new UserError("ports given twice (" + ports + " and --port " + portOption + "): give one");
        }
        String text = ports != null ? ports : portOption;
        if (text == null) {
            throw new UserError("no local port: kproxy intercept " + name + " LOCAL[:REMOTE], e.g. 10519:50100");
        }
        int colon = text.indexOf(':');
        return colon < 0 ? new String[] {text, null} : new String[] {text.substring(0, colon), text.substring(colon + 1)};
    }

    private static int localPort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UserError("local port '" + text + "' is not a port number (1-65535): LOCAL[:REMOTE], e.g. 10519:50100");
    }

    /** Polls the daemon, printing each change of progress, until every agent pod is attached or the install failed. */
    private JsonNode awaitAttached(PrintWriter out) {
        String lastProgress = "";
        long attachDeadline = Long.MAX_VALUE;
        while (true) {
            JsonNode s = DaemonCall.call(ControlClient.request("intercept-status").put("name", name));
            String state = s.path("state").asString();
            if (state.equals("FAILED")) {
                throw new UserError(s.path("error").asString("the intercept failed"));
            }
            String progress = s.path("progress").asString("");
            if (!progress.isEmpty() && !progress.equals(lastProgress)) {
                out.println(progress);
                out.flush();
                lastProgress = progress;
            }
            if (state.equals("ACTIVE")) {
                int agents = s.path("agentPods").asInt();
                if (agents > 0 && s.path("attachedPods").asInt() >= agents) {
                    return s;
                }
                if (attachDeadline == Long.MAX_VALUE) {
                    attachDeadline = System.nanoTime() + ATTACH_TIMEOUT.toNanos();
                } else if (System.nanoTime() - attachDeadline > 0) {
                    out.println("warning: " + s.path("attachedPods").asInt() + " of " + agents + " agent pods attached after "
                            + ATTACH_TIMEOUT.toSeconds() + " s; the daemon keeps trying (see its log)");
                    return s;
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UserError("interrupted; the intercept goes on in the daemon (`kproxy leave " + name + "` ends it)");
            }
        }
    }

    private void writeEnvironment(PrintWriter out, JsonNode status, EnvFile syntax) {
        if (status.has("environmentError")) {
            throw new UserError("intercept " + name + " is active, but --env-file: " + status.path("environmentError").asString());
        }
        Map<String, String> env = new LinkedHashMap<>();
        status.path("environment").properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
        try {
            Files.writeString(envFile, syntax.render(env));
        } catch (IOException e) {
            throw new UserError("cannot write --env-file " + envFile + ": " + e.getMessage());
        }
        out.println("   Environment            : " + env.size() + " variables written to " + envFile);
    }
}

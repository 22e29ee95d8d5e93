package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.BackgroundJvm;
import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.agent.AgentJar;
import dev.kproxy.launcher.daemon.ControlClient;
import dev.kproxy.launcher.daemon.DaemonFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code kproxy connect}: starts the outbound daemon in the background ({@code kproxy daemon},
 * log {@code $KPROXY_HOME/daemon.log}) and returns once it serves, printing how to use it.
 */
@Command(name = "connect",
        description = {"Give this machine the cluster's view (proxy port + cluster DNS).",
                "One SOCKS5/SOCKS4a/HTTP proxy port and a DNS server for cluster names, carried over the",
                "API server's port-forward. Runs in the background until `kproxy quit`."})
public final class ConnectCommand implements Runnable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    @Mixin
    ConnectFlags flags;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        KproxyHome home = KproxyHome.resolve();
        DaemonFiles files = DaemonFiles.in(home);
        ControlClient control = files.client();
        Optional<JsonNode> running = control.tryCall(ControlClient.request("status"));
        if (running.isPresent() && running.get().path("ok").asBoolean()) {
            JsonNode s = running.get();
            out.println("Already connected to context " + s.path("context").asString() + ", namespaces " + namespaces(s)
                    + " (proxy " + s.path("proxyAddress").asString() + ":" + s.path("proxyPort").asInt()
                    + ", DNS " + s.path("dnsAddress").asString() + ":" + s.path("dnsPort").asInt()
                    + "). Disconnect with `kproxy quit`.");
            out.flush();
            return;
        }
        List<String> args = new ArrayList<>(List.of("daemon"));
        args.addAll(flags.daemonArgs(home.root()));
        files.clearForStart();
        Process daemon = BackgroundJvm.start(args, files.log());
        JsonNode status = awaitServing(daemon, files, control);
        printConnected(out, status, daemon.pid(), files);
    }

    private static JsonNode awaitServing(Process daemon, DaemonFiles files, ControlClient control) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            Optional<JsonNode> answer = control.tryCall(ControlClient.request("status"));
            if (answer.isPresent() && answer.get().path("ok").asBoolean()
                    && answer.get().path("pid").asLong() == daemon.pid()) {
                return answer.get();
            }
            if (!daemon.isAlive()) {
                throw new UserError(files.failureReason().orElseGet(() -> "the kproxy daemon stopped during start-up: "
                        + BackgroundJvm.lastLine(files.log())) + " (log: " + files.log() + ")");
            }
            try {
                Thread.sleep(150);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                daemon.destroy();
                throw new UserError("interrupted while connecting");
            }
        }
        daemon.destroy();
        throw new UserError("the kproxy daemon did not start serving within " + START_TIMEOUT.toSeconds() + " s: "
                + BackgroundJvm.lastLine(files.log()) + " (log: " + files.log() + ")");
    }

    private static void printConnected(PrintWriter out, JsonNode s, long pid, DaemonFiles files) {
        ProxyEnvironment env = ProxyEnvironment.of(s);
        out.println("Connected to context " + s.path("context").asString() + ", namespaces " + namespaces(s)
                + " (daemon pid " + pid + ", log " + files.log() + ")");
        out.println("Proxy (SOCKS5, SOCKS4a, HTTP): " + s.path("proxyAddress").asString() + ":" + s.path("proxyPort").asInt()
                + "   DNS: " + dns(s) + (s.path("direct").asBoolean() ? "" : "   (--no-direct: only cluster names)"));
        out.println("Use it:");
        out.println(env.usage(dns(s), AgentJar.carried() ? AgentJar.javaOption(KproxyHome.resolve()) : null));
        out.println("Stop with `kproxy quit`.");
        out.flush();
    }

    static String dns(JsonNode s) {
        return s.path("dnsAddress").asString() + ":" + s.path("dnsPort").asInt();
    }

    static String namespaces(JsonNode s) {
        if (s.path("allNamespaces").asBoolean()) {
            return "all (bare names: " + s.path("namespace").asString() + ")";
        }
        List<String> names = new ArrayList<>();
        s.path("namespaces").forEach(n -> names.add(n.asString()));
        return String.join(",", names);
    }
}

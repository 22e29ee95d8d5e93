package dev.kproxy.launcher.daemon;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.agent.AgentJar;
import dev.kproxy.launcher.agent.AgentService;
import dev.kproxy.launcher.connect.ConnectFlags;
import dev.kproxy.launcher.connect.Outbound;
import dev.kproxy.launcher.intercept.InterceptManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.CountDownLatch;

/**
 * {@code kproxy daemon}: what {@code kproxy connect} runs in the background. Starts the
 * {@link Outbound} session, then serves {@code status} and {@code quit} on the control socket
 * until asked to quit (or SIGTERM). A start-up failure is written, as one line, to the failure
 * file the waiting CLI reads.
 */
@Command(name = "daemon", hidden = true, description = "Run the connect daemon in the foreground (started by `kproxy connect`).")
public final class DaemonCommand implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DaemonCommand.class);

    @Mixin
    ConnectFlags flags;

    @Override
    public void run() {
        DaemonFiles files = DaemonFiles.in(KproxyHome.resolve());
        Outbound outbound;
        try {
            outbound = Outbound.start(flags.options());
        } catch (UserError e) {
            files.recordFailure(e.getMessage());
            throw e;
        }
        CountDownLatch quit = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            quit.countDown();
            awaitQuietly(stopped);
        }, "kproxy-daemon-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        InterceptManager intercepts = new InterceptManager(outbound.client(), outbound.transport(), outbound.namespace());
        intercepts.reportInstalled(outbound.namespaces());
        ControlServer control;
        AgentService agents;
        try {
            agents = AgentService.start(outbound, AgentJar.socket(KproxyHome.resolve()), flags.options().clusterDomain());
        } catch (IOException e) {
            intercepts.close();
            outbound.close();
            String reason = "cannot open the Java agent socket: " + e.getMessage();
            files.recordFailure(reason);
            throw new UserError(reason);
        }
        try {
            // Each feature adds its own commands here (intercept, the Java agent's lookups, ...).
            Map<String, Function<JsonNode, ObjectNode>> commands = new LinkedHashMap<>();
            commands.put("status", request -> {
                ObjectNode status = outbound.status();
                status.set("javaAgent", agents.status());
                return status;
            });
            commands.put("proxy-credentials", request -> outbound.proxyCredentials());
            commands.put("agent", request -> agents.status());
            commands.put("quit", request -> {
                quit.countDown();
                return JsonMapper.builder().build().createObjectNode()
                        .put("pid", ProcessHandle.current().pid()).put("context", outbound.context());
            });
            commands.putAll(intercepts.commands());
            control = new ControlServer(files.socket(), commands);
        } catch (IOException e) {
            intercepts.close();
            agents.close();
            outbound.close();
            String reason = "cannot open the control socket " + files.socket() + ": " + e.getMessage();
            files.recordFailure(reason);
            throw new UserError(reason);
        }
        LOG.info("serving; control socket {}", files.socket());
        awaitQuietly(quit);
        LOG.info("quitting");
        control.close();
        intercepts.close(); // leaves every intercept while the cluster client is still open
        // The session first: its port-forwards finish on the agents' event loop, which must outlive them.
        outbound.close();
        agents.close();
        stopped.countDown();
        LOG.info("stopped");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

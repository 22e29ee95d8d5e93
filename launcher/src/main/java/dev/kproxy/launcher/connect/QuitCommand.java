package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.daemon.ControlClient;
import dev.kproxy.launcher.daemon.DaemonFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code kproxy quit}: stops the connect daemon and returns once its process (and so every port) is gone. */
@Command(name = "quit", description = "Disconnect: stop the kproxy daemon and release its ports.")
public final class QuitCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Optional<JsonNode> answer = DaemonFiles.in(KproxyHome.resolve()).client().tryCall(ControlClient.request("quit"));
        if (answer.isEmpty() || !answer.get().path("ok").asBoolean()) {
            out.println("kproxy is not connected.");
            out.flush();
            return;
        }
        long pid = answer.get().path("pid").asLong();
        ProcessHandle.of(pid).ifPresent(QuitCommand::awaitExit);
        out.println("Disconnected from context " + answer.get().path("context").asString() + ".");
        out.flush();
    }

    private static void awaitExit(ProcessHandle daemon) {
        try {
            daemon.onExit().get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            daemon.destroyForcibly();
            throw new UserError("the kproxy daemon (pid " + daemon.pid() + ") did not stop within 20 s and was killed");
        } catch (ExecutionException e) {
            throw new UserError("cannot wait for the kproxy daemon (pid " + daemon.pid() + "): " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.KproxyHome;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.agent.AgentJar;
import dev.kproxy.launcher.daemon.ControlClient;
import dev.kproxy.launcher.daemon.DaemonFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kproxy run -- CMD...}: runs one command with the proxy environment
 * ({@link ProxyEnvironment}), its stdio inherited and its exit code passed through.
 */
@Command(name = "run", description = {"Run a command with the connection's proxy settings: kproxy run -- CMD...",
        "Sets JAVA_TOOL_OPTIONS (appended), ALL_PROXY, HTTP_PROXY, HTTPS_PROXY, NO_PROXY. Exit code passed through.",
        "A `java` command gets the kproxy Java agent (-javaagent:) instead of the SOCKS properties."})
public final class RunCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "the command and its arguments (put `--` before it)")
    List<String> command = new ArrayList<>();

    static boolean isJava(String program) {
        String name = java.nio.file.Path.of(program).getFileName().toString();
        return name.equals("java") || name.equals("java.exe");
    }

    @Override
    public Integer call() {
        ControlClient daemon = DaemonFiles.in(KproxyHome.resolve()).client();
        JsonNode status = daemon.call("status");
        ProxyEnvironment proxy = ProxyEnvironment.of(status);
        // A java command gets the Java agent (every client, not only those honouring socksProxyHost).
        boolean withAgent = isJava(command.get(0)) && AgentJar.carried();
        if (status.path("proxyAuth").asBoolean(false)) {
            JsonNode credentials = daemon.call("proxy-credentials");
            proxy = proxy.withCredentials(credentials.path("username").asString(), credentials.path("password").asString());
            if (!withAgent) {
                System.err.println("kproxy: the proxy asks for a password (--proxy-auth): ALL_PROXY and HTTP(S)_PROXY carry it;"
                        + " a JVM can answer it only from an Authenticator in its code, not from JAVA_TOOL_OPTIONS");
            }
        }
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(withAgent
                ? proxy.variables(System.getenv("JAVA_TOOL_OPTIONS"), AgentJar.javaOption(KproxyHome.resolve()))
                : proxy.variables(System.getenv("JAVA_TOOL_OPTIONS")));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UserError("cannot run " + command.get(0) + ": " + e.getMessage());
        }
        // Ctrl-C reaches the child through the terminal; if this JVM is stopped otherwise, take the child along.
        Thread hook = new Thread(process::destroy, "kproxy-run-stop-child");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
            return 130;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }
}

package dev.kproxy.launcher.agent;

import dev.kproxy.launcher.KproxyHome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kproxy agent-path}: where kproxy-agent.jar is, for IDE run configurations. */
@Command(name = "agent-path",
        description = {"Print the path of kproxy-agent.jar, the Java agent that sends any JVM client's cluster",
                "connections through kproxy (NIO, Netty, java.net.http.HttpClient...).",
                "IntelliJ VM options: -javaagent:$(kproxy agent-path)"})
public final class AgentPathCommand implements Runnable {
    @Option(names = "--java-option", description = "print the whole -javaagent: option, with the daemon's socket")
    boolean javaOption;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        KproxyHome home = KproxyHome.resolve();
        spec.commandLine().getOut().println(javaOption ? AgentJar.javaOption(home) : AgentJar.extract(home).toString());
        spec.commandLine().getOut().flush();
    }
}

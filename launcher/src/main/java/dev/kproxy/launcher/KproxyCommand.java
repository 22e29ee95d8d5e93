package dev.kproxy.launcher;

import dev.kproxy.launcher.agent.AgentPathCommand;
import dev.kproxy.launcher.connect.ConnectCommand;
import dev.kproxy.launcher.connect.QuitCommand;
import dev.kproxy.launcher.connect.RunCommand;
import dev.kproxy.launcher.connect.StatusCommand;
import dev.kproxy.launcher.daemon.DaemonCommand;
import dev.kproxy.launcher.intercept.InterceptCommand;
import dev.kproxy.launcher.intercept.LeaveCommand;
import dev.kproxy.launcher.intercept.ListCommand;
import dev.kproxy.launcher.intercept.UninstallCommand;
import dev.kproxy.launcher.sandbox.SandboxCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "kproxy",
        mixinStandardHelpOptions = true,
        // --help and --version on every subcommand too (`kproxy sandbox status --help`).
        scope = ScopeType.INHERIT,
        versionProvider = KproxyVersion.class,
        description = {
                "Run one service on your laptop as if it ran inside a Kubernetes cluster, without root.",
                "",
                "Start with `kproxy sandbox up -f examples/manifests/sage.yaml` for a local stand-in cluster."},
        subcommands = {ConnectCommand.class, StatusCommand.class, RunCommand.class, QuitCommand.class, DaemonCommand.class,
                ListCommand.class, InterceptCommand.class, LeaveCommand.class, UninstallCommand.class,
                SandboxCommand.class, CompletionCommand.class, AgentPathCommand.class})
public final class KproxyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: run `kproxy --help` to see them");
    }
}

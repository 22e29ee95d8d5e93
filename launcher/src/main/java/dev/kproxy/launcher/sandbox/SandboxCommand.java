package dev.kproxy.launcher.sandbox;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "sandbox",
        description = {"A local stand-in Kubernetes cluster for tests and demos.",
                "Pods run as child processes on loopback addresses; real kubectl works against it."},
        subcommands = {SandboxUp.class, SandboxDown.class, SandboxStatus.class})
public final class SandboxCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: up, down or status");
    }
}

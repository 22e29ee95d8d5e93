package dev.kproxy.launcher.intercept;

import dev.kproxy.intercept.InterceptException;
import dev.kproxy.intercept.InterceptInstaller;
import dev.kproxy.launcher.UserError;
import dev.kproxy.launcher.daemon.ControlClient;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code kproxy uninstall WORKLOAD | --all}: restores what kproxy changed, found in the cluster by its label
 * and annotation. Through the daemon when one runs (it ends its tunnels first); otherwise — after a
 * {@code kill -9}, say — straight with the kubeconfig, because the cluster objects record everything.
 */
@Command(name = "uninstall", description = {"Remove kproxy's agent and restore workloads and services exactly.",
        "One workload, or every object kproxy changed (--all). Works without a daemon (uses the kubeconfig)."})
public final class UninstallCommand implements Runnable {
    static final class Target {
        @Parameters(index = "0", paramLabel = "WORKLOAD", description = "the workload's name (deployment or statefulset)")
        String workload;

        @Option(names = "--all", required = true, description = "every object kproxy changed (in -n NS, else in every namespace)")
        boolean all;
    }

    @ArgGroup(multiplicity = "1")
    Target target;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "namespace (default: the daemon's, or the context's)")
    String namespace;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "use this kubeconfig instead of the daemon (default: $KUBECONFIG, then ~/.kube/config)")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "CONTEXT", description = "kubeconfig context (default: the current one)")
    String context;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        List<String> restored = new ArrayList<>();
        Optional<JsonNode> viaDaemon = kubeconfig == null && context == null ? DaemonCall.tryCall(request()) : Optional.empty();
        if (viaDaemon.isPresent()) {
            viaDaemon.get().path("restored").forEach(r -> restored.add(r.asString()));
        } else {
            restored.addAll(direct());
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(restored.isEmpty() ? "Nothing to restore: kproxy has changed nothing there."
                : "Restored " + String.join(", ", restored) + ".");
        out.flush();
    }

    private ObjectNode request() {
        ObjectNode r = ControlClient.request("uninstall").put("all", target.all);
        if (target.workload != null) {
            r.put("workload", target.workload);
        }
        if (namespace != null) {
            r.put("namespace", namespace);
        }
        return r;
    }

    private List<String> direct() {
        Config config = config();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            InterceptInstaller installer = new InterceptInstaller(client);
            if (target.all) {
                return installer.uninstallAll(namespace);
            }
            String ns = namespace != null ? namespace
                    : config.getNamespace() == null || config.getNamespace().isBlank() ? "default" : config.getNamespace();
            return installer.uninstall(ns, target.workload);
        } catch (InterceptException e) {
            throw new UserError(e.getMessage());
        }
    }

    private Config config() {
        try {
            if (kubeconfig != null) {
                if (!Files.isReadable(kubeconfig)) {
                    throw new UserError("cannot read the kubeconfig " + kubeconfig + ": check --kubeconfig");
                }
                return Config.fromKubeconfig(context, kubeconfig.toFile());
            }
            return Config.autoConfigure(context);
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            throw new UserError("cannot load the kubeconfig: " + e.getMessage());
        }
    }
}

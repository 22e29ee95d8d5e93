package dev.kproxy.launcher.connect;

import dev.kproxy.launcher.UserError;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.Set;
import java.util.function.Supplier;

/**
 * Asks the API server, before anything listens, the questions whose answers make
 * {@code kproxy connect} fail: is the server there, does each namespace exist, may we list what
 * the informers will watch. Each problem becomes one line naming the context, and for RBAC the
 * server's own "cannot list resource" text (which names the verb and the resource).
 */
final class ClusterAccessCheck {

    private static final ListOptions ONE = new ListOptionsBuilder().withLimit(1L).build();

    private final KubernetesClient client;
    private final String context;

    ClusterAccessCheck(KubernetesClient client, String context) {
        this.client = client;
        this.context = context;
    }

    /** {@code namespaces} empty: all namespaces. */
    void check(Set<String> namespaces) {
        if (namespaces.isEmpty()) {
            ask("list services in all namespaces", () -> client.services().inAnyNamespace().list(ONE));
            ask("list endpointslices in all namespaces", () -> client.discovery().v1().endpointSlices().inAnyNamespace().list(ONE));
            ask("list pods in all namespaces", () -> client.pods().inAnyNamespace().list(ONE));
            return;
        }
        for (String ns : namespaces) {
            namespaceExists(ns);
            ask("list services in namespace " + ns, () -> client.services().inNamespace(ns).list(ONE));
            ask("list endpointslices in namespace " + ns, () -> client.discovery().v1().endpointSlices().inNamespace(ns).list(ONE));
            ask("list pods in namespace " + ns, () -> client.pods().inNamespace(ns).list(ONE));
        }
    }

    /**
     * Listing in a namespace that does not exist succeeds with nothing (as in Kubernetes), so ask
     * for the namespace itself; a namespaced Role usually may not read namespaces, and then the
     * list checks are all we can do.
     */
    private void namespaceExists(String ns) {
        try {
            if (client.namespaces().withName(ns).get() == null) {
                throw new UserError("namespace \"" + ns + "\" not found in context " + context
                        + ": check the name with `kubectl get namespaces --context " + context + "`");
            }
        } catch (KubernetesClientException e) {
            if (e.getCode() != 403) {
                throw translate("get namespace " + ns, e);
            }
        }
    }

    private void ask(String what, Supplier<?> call) {
        try {
            call.get();
        } catch (KubernetesClientException e) {
            throw translate(what, e);
        }
    }

    private UserError translate(String what, KubernetesClientException e) {
        if (e.getCode() == 401) {
            return new UserError("the API server of context " + context + " rejected your credentials (401) when trying to "
                    + what + "; log in again or check the kubeconfig's user");
        }
        if (e.getCode() == 403) {
            String server = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : "forbidden";
            return new UserError("not allowed to " + what + " in context " + context + ": " + oneLine(server)
                    + "; kproxy connect needs get, list and watch on services, pods and endpointslices (see README, Permissions)");
        }
        if (e.getCode() > 0) {
            return new UserError("cannot " + what + " in context " + context + ": HTTP " + e.getCode() + " "
                    + oneLine(e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage()));
        }
        return new UserError("cannot reach the API server " + client.getConfiguration().getMasterUrl() + " of context " + context
                + ": " + oneLine(rootMessage(e)) + "; check that the cluster is up and the kubeconfig's server URL");
    }

    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}

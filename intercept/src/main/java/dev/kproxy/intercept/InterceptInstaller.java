package dev.kproxy.intercept;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cluster side of {@code kproxy intercept}: adds the agent sidecar to the workload behind a
 * Service port, and undoes exactly that. Every changed object carries its own {@link InstallRecord},
 * so an uninstall needs nothing from the process that installed (which may have been killed).
 *
 * <p>Order keeps the service answering throughout: install patches the workload, waits for its
 * rollout, and only then points a numeric-targetPort Service at the agent; uninstall restores the
 * Service first, then the workload.
 */
public final class InterceptInstaller {
    private static final Logger LOG = LoggerFactory.getLogger(InterceptInstaller.class);

    private final ClusterObjects objects;
    private final WorkloadFinder finder;
    private final AgentConfigMap configMap;
    private final RolloutWatcher rollouts;
    private byte[] agentJar;
    private final Duration uninstallTimeout;

    public InterceptInstaller(KubernetesClient client) {
        this(client, InterceptSpec.DEFAULT_ROLLOUT_TIMEOUT);
    }

    /** @param uninstallTimeout how long an uninstall waits for the restored workload to be ready again */
    public InterceptInstaller(KubernetesClient client, Duration uninstallTimeout) {
        this.objects = new ClusterObjects(client);
        this.finder = new WorkloadFinder(objects);
        this.configMap = new AgentConfigMap(objects);
        this.rollouts = new RolloutWatcher(objects);
        this.uninstallTimeout = uninstallTimeout;
    }

    public InstalledIntercept install(InterceptSpec spec) {
        return install(spec, RolloutProgress.NONE);
    }

    /**
     * Installs, or re-installs over an earlier intercept of the same workload (planned from the
     * recorded originals, so the record stays the pre-kproxy state). If the rollout fails, the
     * workload is restored before the error is thrown.
     */
    public InstalledIntercept install(InterceptSpec spec, RolloutProgress progress) {
        String ns = spec.namespace();
        ObjectNode service = objects.get(ObjectKind.SERVICE, ns, spec.service()).orElseThrow(() -> new InterceptException(
                "no service " + ns + "/" + spec.service() + ": check the name and namespace (kubectl get services -n " + ns + ")"));
        Workload workload = finder.find(service);
        if (workload.kind() == ObjectKind.REPLICA_SET) {
            throw new InterceptException("service " + ns + "/" + spec.service() + " selects " + workload.ref() + ", which no"
                    + " Deployment manages: its pods would not be replaced with the agent; intercept a Deployment or StatefulSet");
        }
        ObjectNode originalTemplate = InstallRecord.read(workload.object()).map(InstallRecord::templateSpec)
                .orElse(workload.templateSpec()).deepCopy();
        ArrayNode originalPorts = InstallRecord.read(service).map(InstallRecord::ports)
                .orElse((ArrayNode) service.path("spec").path("ports")).deepCopy();
        PortRewrite ports = PortRewrite.plan(ns + "/" + spec.service(), originalPorts, spec.servicePort(), originalTemplate,
                spec.agentPort(), spec.tunnelPort());

        configMap.ensure(ns, agentJar());

        ObjectNode template = originalTemplate.deepCopy();
        ports.applyTo(template);
        new AgentSidecar(spec.agentImage(), ports, spec.tunnelPort(), spec.headers()).applyTo(template);
        ObjectNode intercept = ClusterObjects.JSON.createObjectNode()
                .put("service", spec.service()).put("servicePort", ports.servicePortLabel()).put("appPort", ports.appPort())
                .put("agentPort", ports.agentPort()).put("tunnelPort", spec.tunnelPort());
        InstallRecord record = InstallRecord.forWorkload(originalTemplate, intercept);
        try {
            patchWorkloadTemplate(workload, template, record);
        } catch (InterceptException e) {
            dropConfigMapIfUnused(ns, e);
            throw e;
        }
        LOG.debug("patched {} with the kproxy agent", workload);
        try {
            rollouts.await(workload, spec.rolloutTimeout(), progress);
        } catch (InterceptException e) {
            throw undo(workload, new InterceptException(e.getMessage() + " (kproxy has restored " + workload.ref() + ")", e));
        }
        try {
            if (ports.changesService()) {
                pointServiceAtAgent(ns, spec.service(), originalPorts, ports, workload);
            } else {
                restoreService(ns, spec.service()); // an earlier intercept of another port may have changed it
            }
        } catch (InterceptException e) {
            throw undo(workload, e);
        }
        return new InstalledIntercept(ns, workload.ref(), spec.service(), ports.servicePortLabel(), ports.appPort(),
                ports.agentPort(), spec.tunnelPort(), workload.podLabels());
    }

    /**
     * Restores the workload named {@code workload} in {@code namespace} and the Services its intercept
     * changed, then deletes the agent ConfigMap if nothing else there is intercepted. Doing it twice
     * changes nothing the second time.
     *
     * @return the objects restored or deleted, e.g. {@code service wjyl-dev/quota}
     */
    public List<String> uninstall(String namespace, String workload, RolloutProgress progress) {
        return uninstall(namespace, workload, progress, true);
    }

    /**
     * @param awaitRollout false to return once the objects are restored, without waiting for the old pods
     *                     to be replaced (a quitting daemon has seconds, not a rollout's worth of time)
     */
    public List<String> uninstall(String namespace, String workload, RolloutProgress progress, boolean awaitRollout) {
        List<String> done = new ArrayList<>();
        for (ObjectNode svc : objects.list(ObjectKind.SERVICE, namespace, InstallRecord.SELECTOR)) {
            String changedFor = InstallRecord.read(svc).map(InstallRecord::workload).orElse("");
            if (changedFor.endsWith("/" + workload)) {
                done.addAll(restoreService(namespace, svc.path("metadata").path("name").asString()));
            }
        }
        boolean exists = false;
        for (ObjectKind kind : ObjectKind.WORKLOADS) {
            Optional<ObjectNode> w = objects.get(kind, namespace, workload);
            if (w.isPresent()) {
                exists = true;
                if (InstallRecord.read(w.get()).isPresent()) {
                    done.addAll(restoreWorkload(kind, namespace, workload));
                    if (awaitRollout) {
                        rollouts.await(Workload.of(kind, w.get()), uninstallTimeout, progress);
                    }
                }
            }
        }
        if (!exists && done.isEmpty()) {
            throw new InterceptException("no deployment, statefulset or replicaset " + namespace + "/" + workload
                    + ": check the name (kubectl get deployments,statefulsets -n " + namespace + ")");
        }
        if (configMap.deleteIfUnused(namespace)) {
            done.add("configmap " + namespace + "/" + AgentSidecar.CONFIG_MAP);
        }
        return done;
    }

    public List<String> uninstall(String namespace, String workload) {
        return uninstall(namespace, workload, RolloutProgress.NONE);
    }

    /**
     * Restores every object that carries the {@value InstallRecord#LABEL} label, found from the
     * cluster alone, in one namespace or (namespace null) in all of them.
     */
    public List<String> uninstallAll(String namespace, RolloutProgress progress) {
        List<String> done = new ArrayList<>();
        Set<String> namespaces = new LinkedHashSet<>();
        if (namespace != null) {
            namespaces.add(namespace);
        }
        for (ObjectNode svc : objects.list(ObjectKind.SERVICE, namespace, InstallRecord.SELECTOR)) {
            String ns = svc.path("metadata").path("namespace").asString();
            namespaces.add(ns);
            done.addAll(restoreService(ns, svc.path("metadata").path("name").asString()));
        }
        List<Workload> restored = new ArrayList<>();
        for (ObjectKind kind : ObjectKind.WORKLOADS) {
            for (ObjectNode w : objects.list(kind, namespace, InstallRecord.SELECTOR)) {
                Workload workload = Workload.of(kind, w);
                namespaces.add(workload.namespace());
                done.addAll(restoreWorkload(kind, workload.namespace(), workload.name()));
                restored.add(workload);
            }
        }
        for (Workload w : restored) {
            rollouts.await(w, uninstallTimeout, progress);
        }
        if (namespace == null) {
            namespaces.addAll(configMapNamespaces());
        }
        for (String ns : namespaces) {
            if (configMap.deleteIfUnused(ns)) {
                done.add("configmap " + ns + "/" + AgentSidecar.CONFIG_MAP);
            }
        }
        return done;
    }

    public List<String> uninstallAll(String namespace) {
        return uninstallAll(namespace, RolloutProgress.NONE);
    }

    /**
     * The intercepts installed in a namespace (null: every namespace), read from the cluster alone: what a
     * daemon started after a {@code kill -9} finds and can resume or remove.
     */
    public List<InstalledIntercept> installed(String namespace) {
        List<InstalledIntercept> found = new ArrayList<>();
        for (ObjectKind kind : ObjectKind.WORKLOADS) {
            for (ObjectNode w : objects.list(kind, namespace, InstallRecord.SELECTOR)) {
                Workload workload = Workload.of(kind, w);
                InstallRecord.read(w).ifPresent(record -> {
                    JsonNode i = record.intercept();
                    found.add(new InstalledIntercept(workload.namespace(), workload.ref(), i.path("service").asString(""),
                            i.path("servicePort").asString(""), i.path("appPort").asInt(), i.path("agentPort").asInt(),
                            i.path("tunnelPort").asInt(), workload.podLabels()));
                });
            }
        }
        return found;
    }

    /** Built once per installer: the classes cannot change under a running JVM. */
    private synchronized byte[] agentJar() {
        if (agentJar == null) {
            agentJar = AgentJar.build();
        }
        return agentJar;
    }

    /** Takes a half-done install back; returns the install's error, which stays the one reported. */
    private InterceptException undo(Workload workload, InterceptException failure) {
        try {
            restoreWorkload(workload.kind(), workload.namespace(), workload.name());
        } catch (InterceptException e) {
            failure.addSuppressed(e);
        }
        dropConfigMapIfUnused(workload.namespace(), failure);
        return failure;
    }

    /** Leaves no ConfigMap behind a failed install; the install's own error stays the one reported. */
    private void dropConfigMapIfUnused(String ns, InterceptException failure) {
        try {
            configMap.deleteIfUnused(ns);
        } catch (InterceptException e) {
            failure.addSuppressed(e);
        }
    }

    /** Namespaces holding a kproxy ConfigMap, which a killed install may have left with no workload changed. */
    private List<String> configMapNamespaces() {
        try {
            return objects.list(ObjectKind.CONFIG_MAP, null, AgentConfigMap.SELECTOR).stream()
                    .map(cm -> cm.path("metadata").path("namespace").asString()).toList();
        } catch (InterceptException forbidden) {
            // The README's Role grants no cluster-wide list: the namespaces of the restored objects must do.
            LOG.debug("cannot list configmaps in every namespace: {}", forbidden.getMessage());
            return List.of();
        }
    }

    private void patchWorkloadTemplate(Workload workload, ObjectNode template, InstallRecord record) {
        GuardedPatch.apply(objects, workload.kind(), workload.namespace(), workload.name(), "/spec/template/spec", current -> {
            ObjectNode original = InstallRecord.read(current).map(InstallRecord::templateSpec)
                    .orElse(Workload.of(workload.kind(), current).templateSpec());
            if (!original.equals(record.templateSpec())) {
                throw new InterceptException(workload + " changed while kproxy was planning the intercept: try again");
            }
            ArrayNode ops = ClusterObjects.JSON.createArrayNode();
            ops.addObject().put("op", "replace").put("path", "/spec/template/spec").set("value", template);
            record.addMarks(ops, current);
            return Optional.of(ops);
        });
    }

    private void pointServiceAtAgent(String ns, String name, ArrayNode originalPorts, PortRewrite ports, Workload workload) {
        ArrayNode changed = originalPorts.deepCopy();
        ((ObjectNode) changed.get(ports.servicePortIndex())).put("targetPort", ports.agentPort());
        InstallRecord record = InstallRecord.forService(originalPorts, workload);
        boolean patched = GuardedPatch.apply(objects, ObjectKind.SERVICE, ns, name, "/spec/ports", service -> {
            ArrayNode ops = ClusterObjects.JSON.createArrayNode();
            ops.addObject().put("op", "replace").put("path", "/spec/ports").set("value", changed);
            record.addMarks(ops, service);
            return Optional.of(ops);
        });
        if (!patched) {
            throw new InterceptException("service " + ns + "/" + name + " was deleted during the intercept");
        }
    }

    private List<String> restoreWorkload(ObjectKind kind, String ns, String name) {
        return restore(kind, ns, name, "/spec/template/spec", InstallRecord::templateSpec);
    }

    private List<String> restoreService(String ns, String name) {
        return restore(ObjectKind.SERVICE, ns, name, "/spec/ports", InstallRecord::ports);
    }

    /** Puts the recorded original back at {@code path} and takes the marks off; nothing to do when unmarked. */
    private List<String> restore(ObjectKind kind, String ns, String name, String path,
                                 Function<InstallRecord, JsonNode> original) {
        // Guarded by the record itself: restore from the one on the object now, not one another uninstall removed.
        boolean restored = GuardedPatch.apply(objects, kind, ns, name,
                "/metadata/annotations/" + InstallRecord.escape(InstallRecord.ANNOTATION),
                current -> InstallRecord.read(current).map(record -> {
                    ArrayNode ops = ClusterObjects.JSON.createArrayNode();
                    ops.addObject().put("op", "replace").put("path", path).set("value", original.apply(record));
                    InstallRecord.removeMarks(ops, current);
                    return ops;
                }));
        return restored ? List.of(kind.lower() + " " + ns + "/" + name) : List.of();
    }
}

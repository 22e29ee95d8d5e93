package dev.kproxy.launcher.intercept;

import dev.kproxy.intercept.InstalledIntercept;
import dev.kproxy.intercept.InterceptException;
import dev.kproxy.intercept.InterceptInstaller;
import dev.kproxy.intercept.InterceptSpec;
import dev.kproxy.intercept.InterceptTargets;
import dev.kproxy.intercept.RolloutProgress;
import dev.kproxy.k8s.PortForwardTransport;
import dev.kproxy.launcher.daemon.DaemonError;
import dev.kproxy.tunnel.DaemonThreads;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The daemon's intercepts, steered by the control commands {@code intercept}, {@code intercept-status},
 * {@code leave}, {@code list} and {@code uninstall}. An install runs in the background (a rollout takes a
 * while) and the CLI polls {@code intercept-status} for its progress. On quit every intercept is left.
 *
 * <p>After a {@code kill -9} of an earlier daemon, intercepts it installed are still in the cluster (their
 * agents send traffic to the app again); this daemon reports them as {@code INSTALLED} (not attached) in
 * {@code list} and does not resume them by itself — the local port was the dead daemon's business —
 * {@code kproxy intercept NAME PORT} resumes one (re-installing changes nothing), {@code kproxy leave NAME}
 * or {@code kproxy uninstall} restores it.
 */
public final class InterceptManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InterceptManager.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final KubernetesClient client;
    private final PortForwardTransport transport;
    private final String defaultNamespace;
    private final InterceptInstaller installer;
    private final InterceptTargets targets;
    private final Map<String, InterceptSession> sessions = new LinkedHashMap<>();
    private final ExecutorService installs = Executors.newCachedThreadPool(new DaemonThreads("intercept-install"));

    public InterceptManager(KubernetesClient client, PortForwardTransport transport, String defaultNamespace) {
        this.client = client;
        this.transport = transport;
        this.defaultNamespace = defaultNamespace;
        this.installer = new InterceptInstaller(client);
        this.targets = new InterceptTargets(client);
    }

    /** The control commands, to add to the daemon's; every failure comes back as one {@link DaemonError} line. */
    public Map<String, Function<JsonNode, ObjectNode>> commands() {
        Map<String, Function<JsonNode, ObjectNode>> commands = new LinkedHashMap<>();
        commands.put("intercept", guarded(r -> intercept(InterceptRequest.fromJson(r))));
        commands.put("intercept-status", guarded(r -> status(r.path("name").asString(""))));
        commands.put("leave", guarded(r -> leave(r.path("name").asString(""), namespace(r))));
        commands.put("list", guarded(r -> list(namespace(r))));
        commands.put("uninstall", guarded(r -> uninstall(r.path("workload").asString(""), r.path("all").asBoolean(false),
                r.path("namespace").isString() ? r.path("namespace").asString() : null)));
        return commands;
    }

    /** Logs the intercepts a killed daemon left installed in these namespaces (empty: all). */
    public void reportInstalled(Set<String> namespaces) {
        try {
            List<InstalledIntercept> found = new ArrayList<>();
            if (namespaces.isEmpty()) {
                found.addAll(installer.installed(null));
            } else {
                namespaces.forEach(ns -> found.addAll(installer.installed(ns)));
            }
            for (InstalledIntercept i : found) {
                LOG.info("found {} in namespace {} intercepted by an earlier kproxy (not attached): resume with"
                        + " `kproxy intercept`, restore with `kproxy leave` or `kproxy uninstall`", i.workload(), i.namespace());
            }
        } catch (InterceptException e) {
            LOG.info("cannot look for earlier intercepts: {}", e.getMessage());
        }
    }

    private static Function<JsonNode, ObjectNode> guarded(Function<JsonNode, ObjectNode> command) {
        return request -> {
            try {
                return command.apply(request);
            } catch (InterceptException | IllegalStateException | IllegalArgumentException e) {
                throw new DaemonError(e.getMessage());
            }
        };
    }

    private String namespace(JsonNode request) {
        return request.path("namespace").isString() && !request.path("namespace").asString().isBlank()
                ? request.path("namespace").asString() : defaultNamespace;
    }

    private ObjectNode intercept(InterceptRequest request) {
        if (request.name().isBlank()) {
            throw new DaemonError("no intercept name given: kproxy intercept NAME [LOCAL[:REMOTE]]");
        }
        if (request.localPort() < 1 || request.localPort() > 65535) {
            throw new DaemonError("local port " + request.localPort() + " is not a port number (1-65535)");
        }
        String ns = request.namespace().orElse(defaultNamespace);
        String service = request.service().orElseGet(() -> request.workload().map(w -> targets.serviceOf(ns, w)).orElse(request.name()));
        InterceptSpec spec = InterceptSpec.of(ns, service);
        spec = request.remotePort().map(spec::withServicePort).orElse(spec);
        for (String rule : request.headers()) {
            spec = spec.withHeader(rule);
        }
        spec = request.agentImage().map(spec::withAgentImage).orElse(spec);
        if (request.rolloutTimeoutMillis() > 0) {
            spec = spec.withRolloutTimeout(java.time.Duration.ofMillis(request.rolloutTimeoutMillis()));
        }
        InterceptSession session;
        synchronized (sessions) {
            InterceptSession existing = sessions.get(request.name());
            if (existing != null && existing.state() != InterceptSession.State.FAILED) {
                throw new DaemonError("intercept " + request.name() + " is already " + existing.state().name().toLowerCase()
                        + " (to 127.0.0.1:" + existing.request().localPort() + "): `kproxy leave " + request.name() + "` first");
            }
            session = new InterceptSession(request, ns, client, transport);
            sessions.put(request.name(), session);
        }
        InterceptSpec wanted = spec;
        installs.execute(() -> install(session, wanted, request.workload()));
        return session.describe();
    }

    private void install(InterceptSession session, InterceptSpec spec, Optional<String> workload) {
        try {
            LOG.info("intercept {}: installing the agent for service {}/{}", session.name(), spec.namespace(), spec.service());
            InstalledIntercept installed = installer.install(spec,
                    (w, ready, wanted) -> session.progress("rollout of " + w + ": " + ready + "/" + wanted + " pods ready with the agent"));
            if (workload.isPresent() && !installed.workload().endsWith("/" + workload.get())) {
                LOG.info("intercept {}: service {} selects {}, not {}", session.name(), spec.service(), installed.workload(), workload.get());
            }
            session.activate(installed);
            LOG.info("intercept {}: {} intercepted, port {} → 127.0.0.1:{}", session.name(), installed.workload(),
                    installed.servicePort(), session.request().localPort());
        } catch (RuntimeException e) {
            LOG.info("intercept {} failed: {}", session.name(), e.getMessage());
            session.fail(e.getMessage());
        }
    }

    private ObjectNode status(String name) {
        InterceptSession session;
        synchronized (sessions) {
            session = sessions.get(name);
            if (session != null && session.state() == InterceptSession.State.FAILED) {
                sessions.remove(name); // reported once; the next intercept starts afresh
            }
        }
        if (session == null) {
            throw new DaemonError("no intercept named " + name + " in this daemon: see `kproxy list`");
        }
        return session.describe();
    }

    private ObjectNode leave(String name, String namespace) {
        InterceptSession session;
        synchronized (sessions) {
            session = sessions.remove(name);
        }
        ObjectNode answer = JSON.createObjectNode().put("name", name);
        ArrayNode restored = answer.putArray("restored");
        if (session != null) {
            session.close();
            InstalledIntercept i = session.installed();
            if (i != null) {
                installer.uninstall(i.namespace(), workloadName(i), progressLog(name)).forEach(restored::add);
            }
            return answer;
        }
        // Not this daemon's: an intercept an earlier (killed) daemon installed, found by its record.
        List<InstalledIntercept> left = installer.installed(namespace).stream()
                .filter(i -> workloadName(i).equals(name) || i.service().equals(name)).toList();
        if (left.isEmpty()) {
            throw new DaemonError("no intercept named " + name + " in namespace " + namespace + ": see `kproxy list`");
        }
        for (InstalledIntercept i : left) {
            installer.uninstall(i.namespace(), workloadName(i), progressLog(name)).forEach(restored::add);
        }
        return answer;
    }

    private static RolloutProgress progressLog(String name) {
        return (w, ready, wanted) -> LOG.info("leave {}: rollout of {}: {}/{} pods ready", name, w, ready, wanted);
    }

    private ObjectNode uninstall(String workload, boolean all, String namespace) {
        List<InterceptSession> ending = new ArrayList<>();
        synchronized (sessions) {
            sessions.values().removeIf(s -> {
                boolean match = (all && (namespace == null || s.namespace().equals(namespace)))
                        || (s.installed() != null && workloadName(s.installed()).equals(workload)
                        && s.namespace().equals(namespace == null ? defaultNamespace : namespace));
                if (match) {
                    ending.add(s);
                }
                return match;
            });
        }
        ending.forEach(InterceptSession::close);
        ObjectNode answer = JSON.createObjectNode();
        ArrayNode restored = answer.putArray("restored");
        List<String> done = all ? installer.uninstallAll(namespace)
                : installer.uninstall(namespace == null ? defaultNamespace : namespace, workload);
        done.forEach(restored::add);
        return answer;
    }

    private ObjectNode list(String namespace) {
        ObjectNode answer = JSON.createObjectNode().put("namespace", namespace);
        ArrayNode rows = answer.putArray("workloads");
        Map<String, InterceptSession> byWorkload = new LinkedHashMap<>();
        Map<String, InterceptSession> byService = new LinkedHashMap<>();
        synchronized (sessions) {
            for (InterceptSession s : sessions.values()) {
                if (s.namespace().equals(namespace)) {
                    if (s.installed() != null) {
                        byWorkload.put(s.installed().workload(), s);
                    }
                    byService.put(s.request().service().orElse(s.name()), s);
                }
            }
        }
        for (InterceptTargets.Target t : targets.list(namespace)) {
            ObjectNode row = rows.addObject().put("service", t.service()).put("workload", t.workload())
                    .put("workloadKind", t.kind());
            ArrayNode ports = row.putArray("ports");
            t.ports().forEach(p -> ports.addObject().put("name", p.name()).put("port", p.port()).put("targetPort", p.targetPort()));
            if (!t.problem().isEmpty()) {
                row.put("problem", t.problem());
            }
            InterceptSession s = byWorkload.getOrDefault(t.workload(), byService.get(t.service()));
            if (s != null) {
                row.set("intercept", s.describe());
                row.put("state", s.state().name());
            } else {
                row.put("state", t.intercepted() ? "INSTALLED" : t.problem().isEmpty() ? "READY" : "NOT_INTERCEPTABLE");
            }
        }
        return answer;
    }

    private static String workloadName(InstalledIntercept i) {
        return i.workload().substring(i.workload().indexOf('/') + 1);
    }

    /** Leaves every intercept: tunnels closed, workloads and Services restored (without waiting for rollouts). */
    @Override
    public void close() {
        List<InterceptSession> all;
        synchronized (sessions) {
            all = new ArrayList<>(sessions.values());
            sessions.clear();
        }
        installs.shutdownNow();
        for (InterceptSession s : all) {
            s.close();
            InstalledIntercept i = s.installed();
            if (i != null) {
                try {
                    List<String> restored = installer.uninstall(i.namespace(), workloadName(i), RolloutProgress.NONE, false);
                    LOG.info("left intercept {}: restored {}", s.name(), restored);
                } catch (InterceptException e) {
                    LOG.warn("cannot leave intercept {}: {}; run `kproxy uninstall {}`", s.name(), e.getMessage(), workloadName(i));
                }
            }
        }
    }
}

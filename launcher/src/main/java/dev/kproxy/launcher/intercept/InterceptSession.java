package dev.kproxy.launcher.intercept;

import dev.kproxy.intercept.InstalledIntercept;
import dev.kproxy.k8s.PortForwardTransport;
import dev.kproxy.tunnel.DaemonThreads;
import dev.kproxy.tunnel.LocalTargets;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One intercept in the daemon: its state while the agent is installed, then a {@link PodTunnel} to
 * <b>every</b> ready agent pod of the workload. An informer on the workload's pods drives one reconciling
 * thread: pods that become ready join, deleted or unready ones drop, and a tunnel that closed is opened
 * again (at most once a second per pod), so replicas that appear later are intercepted too.
 */
final class InterceptSession implements AutoCloseable {
    enum State { INSTALLING, ACTIVE, FAILED }

    private static final Logger LOG = LoggerFactory.getLogger(InterceptSession.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final String AGENT_CONTAINER = "kproxy-agent";

    private final InterceptRequest request;
    private final String namespace;
    private final KubernetesClient client;
    private final PortForwardTransport transport;
    private final Map<String, PodTunnel> tunnels = new ConcurrentHashMap<>();
    private final Map<String, Long> connectionsOfClosedTunnels = new ConcurrentHashMap<>();
    private final Map<String, Long> retryAt = new HashMap<>();
    private final Map<String, String> lastFailure = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reconciler;
    private volatile State state = State.INSTALLING;
    private volatile String progress = "";
    private volatile String error = "";
    private volatile InstalledIntercept installed;
    private volatile Map<String, String> environment;
    private volatile String environmentError = "";
    private volatile SharedIndexInformer<Pod> informer;
    private volatile boolean closed;
    private Set<String> lastWanted;

    InterceptSession(InterceptRequest request, String namespace, KubernetesClient client, PortForwardTransport transport) {
        this.request = request;
        this.namespace = namespace;
        this.client = client;
        this.transport = transport;
        this.reconciler = Executors.newSingleThreadScheduledExecutor(new DaemonThreads("intercept-" + request.name()));
    }

    String name() {
        return request.name();
    }

    String namespace() {
        return namespace;
    }

    State state() {
        return state;
    }

    InterceptRequest request() {
        return request;
    }

    /** The installed intercept, or null while installing or after a failed install. */
    InstalledIntercept installed() {
        return installed;
    }

    void progress(String text) {
        progress = text;
    }

    void fail(String reason) {
        error = reason;
        state = State.FAILED;
    }

    /** The agent runs in every pod: watch the pods and keep a tunnel to each ready one. */
    void activate(InstalledIntercept intercept) {
        this.installed = intercept;
        if (request.environment()) {
            resolveEnvironment(intercept);
        }
        ResourceEventHandler<Pod> changed = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                reconcileSoon();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                reconcileSoon();
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                reconcileSoon();
            }
        };
        informer = client.pods().inNamespace(namespace).withLabels(intercept.podLabels()).inform(changed, 0);
        reconciler.scheduleWithFixedDelay(this::reconcile, 0, 500, TimeUnit.MILLISECONDS);
        state = State.ACTIVE;
        progress = "";
    }

    private void resolveEnvironment(InstalledIntercept intercept) {
        try {
            Pod pod = client.pods().inNamespace(namespace).withLabels(intercept.podLabels()).list().getItems().stream()
                    .filter(InterceptSession::agentReady).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no ready pod of " + intercept.workload() + " to read the environment from"));
            environment = new ContainerEnvironment(client).of(pod, intercept.appPort());
        } catch (RuntimeException e) {
            environmentError = e.getMessage();
        }
    }

    private void reconcileSoon() {
        try {
            reconciler.execute(this::reconcile);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Runs on the reconciler thread only; an escaping exception would cancel the periodic run. */
    private void reconcile() {
        try {
            reconcileOnce();
        } catch (RuntimeException | Error e) {
            LOG.warn("intercept {}: reconciling its tunnels failed", name(), e);
        }
    }

    private void reconcileOnce() {
        SharedIndexInformer<Pod> pods = informer;
        InstalledIntercept intercept = installed;
        if (closed || pods == null || intercept == null) {
            return;
        }
        Set<String> wanted = new TreeSet<>();
        for (Pod pod : pods.getStore().list()) {
            if (agentReady(pod)) {
                wanted.add(pod.getMetadata().getName());
            }
        }
        if (!wanted.equals(lastWanted)) {
            LOG.info("intercept {}: agent pods ready: {} (of {} pods watched)", name(), wanted, pods.getStore().list().size());
            lastWanted = wanted;
        }
        for (Map.Entry<String, PodTunnel> e : tunnels.entrySet()) {
            if (!wanted.contains(e.getKey()) || !e.getValue().isOpen()) {
                drop(e.getKey(), e.getValue(), wanted.contains(e.getKey()) ? "tunnel closed" : "pod gone or not ready");
            }
        }
        LocalTargets targets = LocalTargets.single(request.localPort());
        for (String pod : wanted) {
            Long retry = retryAt.get(pod);
            if (tunnels.containsKey(pod) || closed || (retry != null && System.nanoTime() - retry < 0)) {
                continue;
            }
            try {
                LOG.debug("intercept {}: opening a tunnel to {}/{}", name(), namespace, pod);
                PodTunnel tunnel = PodTunnel.open(transport, namespace, pod, intercept.tunnelPort(), targets);
                tunnels.put(pod, tunnel);
                lastFailure.remove(pod);
                tunnel.closed().whenComplete((reason, e) -> reconcileSoon());
                LOG.info("intercept {}: tunnel to {}/{} attached; its connections go to 127.0.0.1:{}", name(), namespace, pod,
                        request.localPort());
                if (closed) {
                    drop(pod, tunnel, "intercept closed");
                }
            } catch (IOException e) {
                retryAt.put(pod, System.nanoTime() + RETRY_NANOS);
                if (!e.getMessage().equals(lastFailure.put(pod, e.getMessage()))) {
                    LOG.info("intercept {}: {}; retrying", name(), e.getMessage());
                }
            }
        }
        retryAt.keySet().retainAll(wanted);
    }

    private void drop(String pod, PodTunnel tunnel, String why) {
        if (tunnels.remove(pod, tunnel)) {
            connectionsOfClosedTunnels.merge(pod, tunnel.connections(), Long::sum);
            tunnel.close();
            LOG.info("intercept {}: tunnel to {}/{} dropped ({}: {})", name(), namespace, pod, why, tunnel.closed().getNow("closing"));
        }
    }

    /** Ready, not being deleted, and running kproxy's agent. */
    static boolean agentReady(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
            return false;
        }
        boolean hasAgent = pod.getSpec().getContainers().stream().anyMatch(c -> AGENT_CONTAINER.equals(c.getName()));
        boolean ready = pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
        return hasAgent && ready;
    }

    /** Pod name → connections carried so far, over every tunnel that pod had. */
    Map<String, Long> connectionsByPod() {
        Map<String, Long> counts = new TreeMap<>(connectionsOfClosedTunnels);
        tunnels.forEach((pod, t) -> counts.merge(pod, t.connections(), Long::sum));
        return counts;
    }

    /** "HTTP requests with header x-user: alice", "… with headers a: 1 and b: 2", or all connections. */
    private String intercepting() {
        List<String> rules = request.headers().stream().map(h -> h.replaceFirst("=", ": ")).toList();
        return rules.isEmpty() ? "all TCP connections"
                : "HTTP requests with header" + (rules.size() > 1 ? "s " : " ") + String.join(" and ", rules);
    }

    /** What {@code kproxy intercept} and {@code kproxy list} show. */
    ObjectNode describe() {
        ObjectNode o = JSON.createObjectNode().put("name", name()).put("namespace", namespace).put("state", state.name())
                .put("progress", progress).put("destination", "127.0.0.1:" + request.localPort())
                .put("intercepting", intercepting());
        if (state == State.FAILED) {
            o.put("error", error);
        }
        InstalledIntercept i = installed;
        if (i != null) {
            o.put("workload", i.workload()).put("workloadKind", kindOf(i.workload())).put("service", i.service())
                    .put("servicePort", i.servicePort()).put("appPort", i.appPort()).put("agentPort", i.agentPort());
            SharedIndexInformer<Pod> pods = informer;
            List<Pod> agentPods = pods == null ? List.of() : pods.getStore().list().stream().filter(InterceptSession::agentReady).toList();
            o.put("agentPods", agentPods.size());
            o.put("attachedPods", (int) agentPods.stream().map(p -> tunnels.get(p.getMetadata().getName()))
                    .filter(t -> t != null && t.isOpen()).count());
            ArrayNode list = o.putArray("pods");
            connectionsByPod().forEach((pod, n) -> list.addObject().put("pod", pod)
                    .put("attached", tunnels.containsKey(pod) && tunnels.get(pod).isOpen()).put("connections", n));
        }
        if (environment != null) {
            ObjectNode env = o.putObject("environment");
            environment.forEach(env::put);
        }
        if (!environmentError.isEmpty()) {
            o.put("environmentError", environmentError);
        }
        return o;
    }

    /** {@code Deployment} for {@code deployment/sage}. */
    static String kindOf(String workloadRef) {
        String kind = workloadRef.substring(0, Math.max(0, workloadRef.indexOf('/')));
        return switch (kind) {
            case "deployment" -> "Deployment";
            case "statefulset" -> "StatefulSet";
            case "replicaset" -> "ReplicaSet";
            default -> kind;
        };
    }

    /** Stops watching and closes every tunnel: each agent sends new connections to its app again at once. */
    @Override
    public void close() {
        closed = true;
        SharedIndexInformer<Pod> pods = informer;
        if (pods != null) {
            pods.close();
        }
        reconciler.shutdownNow(); // interrupts a tunnel being opened: quitting must not wait for a slow pod
        try {
            reconciler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tunnels.forEach((pod, t) -> drop(pod, t, "intercept ended"));
    }
}

package dev.kproxy.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.api.ApiServer;
import dev.kproxy.sandbox.api.KubeconfigWriter;
import dev.kproxy.sandbox.controllers.ControllerManager;
import dev.kproxy.sandbox.kubelet.ImageCatalog;
import dev.kproxy.sandbox.kubelet.Kubelet;
import dev.kproxy.sandbox.manifest.ManifestApplier;
import dev.kproxy.sandbox.manifest.ManifestReader;
import dev.kproxy.sandbox.network.KubeletProxy;
import dev.kproxy.sandbox.network.KubeletStreamingServer;
import dev.kproxy.sandbox.network.PortForwardCounters;
import dev.kproxy.sandbox.network.PortForwardServer;
import dev.kproxy.sandbox.network.ServiceProxies;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A running sandbox cluster: the composition root that wires the store, admission, API server,
 * controllers, kubelet, port-forward and service proxies together, and takes them down again in
 * reverse order. Everything a test or the CLI needs goes through here.
 */
public final class Sandbox implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ObjectStore store = new ObjectStore();
    private final Admission admission = new Admission(store);
    private final PortForwardCounters counters = new PortForwardCounters();
    private final CountDownLatch shutdownRequested = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SandboxConfig config;
    private final String adminToken;
    private ControllerManager controllers;
    private Kubelet kubelet;
    private PortForwardServer portForward;
    private KubeletStreamingServer kubeletStreaming;
    private KubeletProxy kubeletProxy;
    private InetSocketAddress kubeletAddress;
    private ServiceProxies serviceProxies;
    private ApiServer api;
    private URI apiServer;
    private MachineLock machineLock;
    /** SIGTERM or Ctrl-C of the JVM still stops every pod process; removed again by close(). */
    private final Thread shutdownHook = new Thread(this::close, "sandbox-shutdown");

    private Sandbox(SandboxConfig config) {
        this.config = config;
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        this.adminToken = "kproxy-sandbox-" + HexFormat.of().formatHex(secret);
    }

    /** Starts every part; on failure, whatever started is stopped again. */
    public static Sandbox start(SandboxConfig config) throws IOException {
        Sandbox s = new Sandbox(config);
        try {
            s.startParts();
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startParts() throws IOException {
        machineLock = MachineLock.acquire(config.machineLockWait());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        Files.createDirectories(config.workDir());
        bootstrapObjects();
        controllers = new ControllerManager(store, admission);
        controllers.start();
        // Without a catalogue every image is "not pulled"; the message names a file the user can create.
        Path catalogue = config.imageCatalogue() != null ? config.imageCatalogue() : config.workDir().resolve("sandbox-images.yaml");
        kubelet = new Kubelet(store, new ImageCatalog(catalogue), config.workDir());
        kubelet.start();
        serviceProxies = new ServiceProxies(store).start();
        portForward = new PortForwardServer(store, counters, config.portForwardLatency());
        SandboxPki pki = SandboxPki.generate();
        // As in a real cluster, the API server relays each port-forward to the kubelet over a connection of its own.
        kubeletStreaming = new KubeletStreamingServer(pki.kubeletServerSslContext(), portForward);
        kubeletAddress = kubeletStreaming.start();
        kubeletProxy = new KubeletProxy(kubeletAddress, pki.kubeletClientSslContext());
        ApiServer.Builder b = ApiServer.builder(store, admission, pki)
                .adminToken(adminToken)
                .portForward(kubeletProxy)
                .podLogs(kubelet)
                .connectionLatency(config.portForwardLatency())
                .status(this::status)
                .shutdown(shutdownRequested::countDown);
        config.users().forEach(u -> b.user(u.name(), u.token(), u.rules()));
        api = b.build();
        apiServer = api.start(config.apiPort());
        KubeconfigWriter.write(config.kubeconfig(), apiServer, pki.caPem(), adminToken, "default");
    }

    /** What every cluster has before anyone applies anything. */
    private void bootstrapObjects() {
        for (String ns : List.of("default", "kube-system", "kube-public")) {
            ObjectNode n = JSON.createObjectNode();
            n.putObject("metadata").put("name", ns);
            store.create(ResourceCatalog.NAMESPACE, admission.admitCreate(ResourceCatalog.NAMESPACE, n));
        }
    }

    /** Reads and applies manifests, all or nothing. */
    public List<ObjectNode> apply(List<Path> files) {
        return new ManifestApplier(store, admission).apply(new ManifestReader().read(files));
    }

    /**
     * Workloads (Deployments, StatefulSets) not yet fully ready, each as one line with the reason a
     * pod gives (e.g. ImagePullBackOff and its message). Empty when everything is ready.
     */
    public List<String> unreadyWorkloads() {
        List<String> waiting = new ArrayList<>();
        for (var type : List.of(ResourceCatalog.DEPLOYMENT, ResourceCatalog.STATEFUL_SET)) {
            for (ObjectNode w : store.list(type, null)) {
                long want = w.path("spec").path("replicas").asLong(1);
                long ready = w.path("status").path("readyReplicas").asLong(0);
                long updated = w.path("status").path("updatedReplicas").asLong(0);
                boolean observed = w.path("status").path("observedGeneration").asLong(0)
                        >= w.path("metadata").path("generation").asLong(1);
                if (ready < want || updated < want || !observed) {
                    String ns = w.path("metadata").path("namespace").asString();
                    String name = w.path("metadata").path("name").asString();
                    waiting.add(type.kind() + " " + ns + "/" + name + " ready " + ready + "/" + want + podProblems(ns));
                }
            }
        }
        return waiting;
    }

    private String podProblems(String namespace) {
        StringBuilder sb = new StringBuilder();
        for (ObjectNode pod : store.list(ResourceCatalog.POD, namespace)) {
            for (JsonNode cs : pod.path("status").path("containerStatuses")) {
                JsonNode waiting = cs.path("state").path("waiting");
                String reason = waiting.path("reason").asString("");
                if (!reason.isEmpty() && !reason.equals("ContainerCreating")) {
                    sb.append(" (pod ").append(pod.path("metadata").path("name").asString()).append(": ")
                            .append(reason).append(": ").append(waiting.path("message").asString("")).append(')');
                    return sb.toString();
                }
            }
        }
        return "";
    }

    /** A summary for {@code kproxy sandbox status}. */
    public ObjectNode status() {
        ObjectNode s = JSON.createObjectNode();
        s.put("apiServer", String.valueOf(apiServer)).put("kubeconfig", config.kubeconfig().toString());
        ArrayNode pods = s.putArray("pods");
        for (ObjectNode p : store.list(ResourceCatalog.POD, null)) {
            JsonNode st = p.path("status");
            long ready = 0;
            long restarts = 0;
            for (JsonNode cs : st.path("containerStatuses")) {
                ready += cs.path("ready").asBoolean() ? 1 : 0;
                restarts += cs.path("restartCount").asLong();
            }
            pods.addObject()
                    .put("namespace", p.path("metadata").path("namespace").asString())
                    .put("name", p.path("metadata").path("name").asString())
                    .put("phase", st.path("phase").asString("Pending"))
                    .put("ready", ready + "/" + p.path("spec").path("containers").size())
                    .put("restarts", restarts)
                    .put("ip", st.path("podIP").asString(""));
        }
        ArrayNode services = s.putArray("services");
        for (ObjectNode svc : store.list(ResourceCatalog.SERVICE, null)) {
            List<String> ports = new ArrayList<>();
            for (JsonNode p : svc.path("spec").path("ports")) {
                ports.add(p.path("port").asInt() + (p.has("nodePort") ? ":" + p.path("nodePort").asInt() : "")
                        + "/" + p.path("protocol").asString("TCP"));
            }
            services.addObject()
                    .put("namespace", svc.path("metadata").path("namespace").asString())
                    .put("name", svc.path("metadata").path("name").asString())
                    .put("type", svc.path("spec").path("type").asString("ClusterIP"))
                    .put("clusterIP", svc.path("spec").path("clusterIP").asString(""))
                    .put("ports", String.join(",", ports));
        }
        s.set("portForward", counters.toJson());
        s.put("kubeletConnections", kubeletConnections());
        return s;
    }

    /** Blocks until someone asks the sandbox to stop ({@code kproxy sandbox down}) or it is closed. */
    public void awaitShutdownRequest() throws InterruptedException {
        shutdownRequested.await();
    }

    public ObjectStore store() {
        return store;
    }

    public Admission admission() {
        return admission;
    }

    public URI apiServer() {
        return apiServer;
    }

    public Path kubeconfig() {
        return config.kubeconfig();
    }

    public String adminToken() {
        return adminToken;
    }

    public PortForwardCounters portForwardCounters() {
        return counters;
    }

    public ServiceProxies serviceProxies() {
        return serviceProxies;
    }

    /**
     * Makes {@code pods/portforward} refuse the given carriers from now on, as an older API server or
     * an upgrade-stripping proxy would: {@code "tunnel"} (SPDY in a WebSocket) and/or {@code "spdy"}
     * (plain SPDY upgrade). None given: serve all again. For clients' fallback tests.
     */
    public void refusePortForwardProtocols(String... carriers) {
        portForward.refuse(java.util.Set.of(carriers));
    }

    /** Closes every open port-forward connection, as an API server restart or a dropped network would. */
    public void dropPortForwardConnections() {
        kubeletProxy.close();
        portForward.close();
    }

    /** The kubelet's streaming port (TLS; only the API server's client certificate is accepted). */
    public InetSocketAddress kubeletAddress() {
        return kubeletAddress;
    }

    /** Connections the API server has opened to the kubelet's streaming port: one per port-forward request. */
    public long kubeletConnections() {
        return kubeletStreaming == null ? 0 : kubeletStreaming.connectionsAccepted();
    }

    /** Stops in reverse order of dependency: no new requests, then no pods, then nothing else. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException alreadyShuttingDownOrNeverAdded) {
            // running as the hook itself, or start failed before adding it
        }
        shutdownRequested.countDown();
        closeQuietly(api);
        closeQuietly(kubeletProxy);
        closeQuietly(portForward);
        closeQuietly(kubeletStreaming);
        closeQuietly(serviceProxies);
        closeQuietly(controllers);
        closeQuietly(kubelet);
        store.close();
        closeQuietly(machineLock);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            System.getLogger(Sandbox.class.getName()).log(System.Logger.Level.WARNING, "while stopping " + c, e);
        }
    }
}

package dev.kproxy.launcher.connect;

import dev.kproxy.dns.ClusterDnsServer;
import dev.kproxy.dns.DnsConfig;
import dev.kproxy.k8s.ClusterCredentials;
import dev.kproxy.k8s.ClusterIndex;
import dev.kproxy.k8s.PortForwardTransport;
import dev.kproxy.k8s.TargetResolver;
import dev.kproxy.k8s.spdy.NegotiatedTransport;
import dev.kproxy.launcher.UserError;
import dev.kproxy.proxy.DirectDialer;
import dev.kproxy.proxy.ProxyConfig;
import dev.kproxy.proxy.ProxyServer;
import dev.kproxy.proxy.ProxyStats;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One {@code kproxy connect} session, the outbound composition: the cluster index (informers),
 * the DNS server over it, and the proxy port whose {@link ClusterDialer} carries connections over
 * port-forward. {@link #start} returns once all three serve, or fails with one {@link UserError}
 * line after closing whatever it had started.
 */
public final class Outbound implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Outbound.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final List<AutoCloseable> parts = new ArrayList<>();
    private final Instant startedAt = Instant.now();
    private String context;
    private String namespace;
    private Set<String> namespaces;
    private boolean allowDirect;
    private java.util.Optional<dev.kproxy.proxy.ProxyCredentials> proxyAuth = java.util.Optional.empty();
    private ClusterIndex index;
    private KubernetesClient client;
    private TargetResolver resolver;
    private PortForwardTransport portForward;
    private ClusterDnsServer dns;
    private ProxyServer proxy;

    private Outbound() {
    }

    public static Outbound start(ConnectOptions options) {
        Outbound session = new Outbound();
        try {
            session.startParts(options);
            return session;
        } catch (RuntimeException e) {
            session.close();
            throw e;
        }
    }

    private void startParts(ConnectOptions options) {
        Config config = loadConfig(options);
        context = config.getCurrentContext() == null ? "(no context)" : config.getCurrentContext().getName();
        namespace = options.namespace() != null ? options.namespace()
                : config.getNamespace() == null || config.getNamespace().isBlank() ? "default" : config.getNamespace();
        Set<String> watched = new LinkedHashSet<>();
        if (!options.allNamespaces()) {
            watched.add(namespace);
            watched.addAll(new TreeSet<>(options.mappedNamespaces()));
        }
        namespaces = Set.copyOf(watched);
        allowDirect = options.allowDirect();
        proxyAuth = options.proxyAuth();

        client = new KubernetesClientBuilder().withConfig(config).build();
        parts.add(client);
        new ClusterAccessCheck(client, context).check(watched);

        index = ClusterIndex.start(client, watched);
        parts.add(index);
        awaitIndex();

        ClusterCredentials credentials = ClusterCredentials.of(config);
        portForward = new NegotiatedTransport(credentials, options.transport());
        parts.add(portForward);

        dns = startDns(options);
        parts.add(dns);
        resolver = new TargetResolver(index, namespace, options.clusterDomain(), options.allowDirect());
        proxy = startProxy(options, new ClusterDialer(resolver, portForward, new DirectDialer()));
        parts.add(proxy);
        LOG.info("connected to context {} (namespaces {}): proxy {}:{}, DNS {}", context,
                namespaces.isEmpty() ? "all" : namespaces, options.bindAddress(), proxy.port(), dns.address());
    }

    private static Config loadConfig(ConnectOptions options) {
        Config config;
        try {
            if (options.kubeconfig() != null) {
                if (!Files.isReadable(options.kubeconfig())) {
                    throw new UserError("cannot read the kubeconfig " + options.kubeconfig() + ": check --kubeconfig");
                }
                config = Config.fromKubeconfig(options.context(), options.kubeconfig().toFile());
            } else {
                config = Config.autoConfigure(options.context());
            }
        } catch (RuntimeException e) {
            if (e instanceof UserError user) {
                throw user;
            }
            throw new UserError("cannot load the kubeconfig: " + ClusterAccessCheck.oneLine(ClusterAccessCheck.rootMessage(e)));
        }
        if (options.context() != null && (config.getCurrentContext() == null
                || !options.context().equals(config.getCurrentContext().getName()))) {
            throw new UserError("context \"" + options.context() + "\" not found in the kubeconfig; see `kubectl config get-contexts`");
        }
        if (config.getMasterUrl() == null || config.getMasterUrl().isBlank()) {
            throw new UserError("the kubeconfig names no API server; check `kubectl config view`");
        }
        // Start-up checks should fail in seconds, not after fabric8's ten exponential retries.
        config.setRequestRetryBackoffLimit(1);
        config.setConnectionTimeout(5_000);
        return config;
    }

    private void awaitIndex() {
        try {
            index.ready().get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new UserError(ClusterAccessCheck.oneLine(e.getCause().getMessage()));
        } catch (TimeoutException e) {
            throw new UserError("the cluster index of context " + context + " was not ready after " + READY_TIMEOUT.toSeconds()
                    + " s; check the API server");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while listing the cluster");
        }
    }

    private ClusterDnsServer startDns(ConnectOptions options) {
        DnsConfig config;
        try {
            config = DnsConfig.defaults(namespace).withPort(options.dnsPort()).withClusterDomain(options.clusterDomain());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage() + " (--cluster-domain)");
        }
        try {
            return new ClusterDnsServer(config, new ClusterDirectoryAdapter(index)).start();
        } catch (IllegalStateException e) {
            String why = e.getMessage() != null && e.getMessage().contains("port in use")
                    ? "port " + options.dnsPort() + " is already in use (UDP or TCP)" : e.getMessage();
            throw new UserError("cannot serve DNS on " + config.bindAddress().getHostAddress() + ":" + options.dnsPort() + ": "
                    + why + "; pick another port with --dns-port");
        }
    }

    private static ProxyServer startProxy(ConnectOptions options, ClusterDialer dialer) {
        ProxyConfig config = ProxyConfig.defaults().withBindAddress(options.bindAddress()).withPort(options.proxyPort());
        if (options.proxyAuth().isPresent()) {
            config = config.withCredentials(options.proxyAuth().get().username(), options.proxyAuth().get().password());
        }
        ProxyServer server;
        try {
            server = new ProxyServer(config, dialer);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage().replaceFirst("^kproxy: ", "") + " (--bind, --proxy-auth)");
        }
        try {
            return server.start();
        } catch (IOException e) {
            throw new UserError("cannot listen on " + options.bindAddress() + ":" + options.proxyPort()
                    + " for the proxy: port " + options.proxyPort() + " is already in use; pick another port with --proxy-port");
        }
    }

    public String context() {
        return context;
    }

    public String namespace() {
        return namespace;
    }

    /** Watched namespaces; empty when all are. */
    public Set<String> namespaces() {
        return namespaces;
    }

    public int proxyPort() {
        return proxy.port();
    }

    public InetSocketAddress dnsAddress() {
        return dns.address();
    }

    /** The session's fabric8 client (the kubeconfig's credentials); closed with the session. */
    public KubernetesClient client() {
        return client;
    }

    /** Watched cluster state of the mapped namespaces. */
    public ClusterIndex index() {
        return index;
    }

    /** Where a host:port goes, by the same rules as the proxy port. */
    public TargetResolver resolver() {
        return resolver;
    }

    /** The port-forward transport every pod connection of this session uses. */
    public PortForwardTransport transport() {
        return portForward;
    }

    public ProxyStats stats() {
        return proxy.stats();
    }

    /**
     * The proxy's username and password, for {@code kproxy run} only: the control socket that
     * carries them is the user's alone, and the user chose them; status never shows them.
     */
    public ObjectNode proxyCredentials() {
        ObjectNode s = JSON.createObjectNode();
        proxyAuth.ifPresent(c -> s.put("username", c.username()).put("password", c.password()));
        return s;
    }

    /** What {@code kproxy status} shows; no credentials. */
    public ObjectNode status() {
        ObjectNode s = JSON.createObjectNode();
        s.put("context", context);
        s.put("namespace", namespace);
        ArrayNode ns = s.putArray("namespaces");
        namespaces.stream().sorted().forEach(ns::add);
        s.put("allNamespaces", namespaces.isEmpty());
        s.put("direct", allowDirect);
        s.put("proxyAuth", proxyAuth.isPresent());
        s.put("proxyAddress", proxy.config().bindAddress());
        s.put("proxyPort", proxy.port());
        s.put("dnsAddress", dns.address().getAddress().getHostAddress());
        s.put("dnsPort", dns.port());
        s.put("pid", ProcessHandle.current().pid());
        s.put("startedAt", startedAt.toString());
        s.put("uptimeSeconds", Duration.between(startedAt, Instant.now()).toSeconds());
        ProxyStats stats = proxy.stats();
        s.put("openConnections", stats.openConnections());
        s.put("totalConnections", stats.totalConnections());
        s.put("bytesToCluster", stats.bytesToUpstream());
        s.put("bytesFromCluster", stats.bytesToClient());
        s.put("openPortForwards", portForward.openChannels());
        s.put("transport", portForward.describe());
        ObjectNode errors = s.putObject("recentErrors");
        stats.recentErrors().forEach((destination, list) -> {
            ArrayNode a = errors.putArray(destination);
            list.forEach(e -> a.addObject().put("at", e.at().toString()).put("protocol", e.protocol().name()).put("message", e.message()));
        });
        return s;
    }

    /** Stops listening first, then the port-forwards, the informers and the client. */
    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.warn("while stopping {}: {}", parts.get(i).getClass().getSimpleName(), e.toString());
            }
        }
        parts.clear();
    }
}

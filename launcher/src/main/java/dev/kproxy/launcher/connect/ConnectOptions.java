package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.spdy.TransportMode;
import dev.kproxy.proxy.ProxyCredentials;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code kproxy connect} was asked for.
 *
 * @param kubeconfig       the kubeconfig file, or null to find it as kubectl does ($KUBECONFIG, ~/.kube/config)
 * @param context          the kubeconfig context, or null for the current one
 * @param namespace        where bare service names live, or null for the context's namespace
 * @param mappedNamespaces namespaces to watch besides {@code namespace}; ignored with {@code allNamespaces}
 * @param allNamespaces    watch every namespace (needs cluster-wide list/watch)
 * @param bindAddress      where the proxy listens (loopback unless credentials are set)
 * @param proxyPort        SOCKS5/SOCKS4a/HTTP port, 0 for any
 * @param dnsPort          DNS port (UDP and TCP on loopback), 0 for any
 * @param clusterDomain    usually {@code cluster.local}
 * @param allowDirect      false for {@code --no-direct}: names outside the cluster are refused
 * @param proxyAuth        the username and password the proxy asks for, if any
 * @param transport        how pod connections travel ({@code --transport}; default auto)
 */
public record ConnectOptions(Path kubeconfig, String context, String namespace, Set<String> mappedNamespaces,
                             boolean allNamespaces, String bindAddress, int proxyPort, int dnsPort,
                             String clusterDomain, boolean allowDirect, Optional<ProxyCredentials> proxyAuth,
                             TransportMode transport) {

    public static final int DEFAULT_PROXY_PORT = 1080;
    public static final int DEFAULT_DNS_PORT = 10053;

    public ConnectOptions {
        mappedNamespaces = Set.copyOf(mappedNamespaces);
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(clusterDomain, "clusterDomain");
        Objects.requireNonNull(proxyAuth, "proxyAuth");
        transport = transport == null ? TransportMode.AUTO : transport;
    }

    /** Without a transport choice: {@code auto}. */
    public ConnectOptions(Path kubeconfig, String context, String namespace, Set<String> mappedNamespaces,
                          boolean allNamespaces, String bindAddress, int proxyPort, int dnsPort,
                          String clusterDomain, boolean allowDirect, Optional<ProxyCredentials> proxyAuth) {
        this(kubeconfig, context, namespace, mappedNamespaces, allNamespaces, bindAddress, proxyPort, dnsPort, clusterDomain,
                allowDirect, proxyAuth, TransportMode.AUTO);
    }

    /** The kubeconfig's current context, loopback, ephemeral ports (for tests), direct connections on. */
    public static ConnectOptions of(Path kubeconfig, String namespace) {
        return new ConnectOptions(kubeconfig, null, namespace, Set.of(), false, "127.0.0.1", 0, 0,
                "cluster.local", true, Optional.empty());
    }

    public ConnectOptions withPorts(int proxy, int dns) {
        return new ConnectOptions(kubeconfig, context, namespace, mappedNamespaces, allNamespaces, bindAddress, proxy, dns,
                clusterDomain, allowDirect, proxyAuth, transport);
    }

    public ConnectOptions withAllowDirect(boolean allow) {
        return new ConnectOptions(kubeconfig, context, namespace, mappedNamespaces, allNamespaces, bindAddress, proxyPort, dnsPort,
                clusterDomain, allow, proxyAuth, transport);
    }

    public ConnectOptions withContext(String newContext) {
        return new ConnectOptions(kubeconfig, newContext, namespace, mappedNamespaces, allNamespaces, bindAddress, proxyPort, dnsPort,
                clusterDomain, allowDirect, proxyAuth, transport);
    }

    public ConnectOptions withTransport(TransportMode mode) {
        return new ConnectOptions(kubeconfig, context, namespace, mappedNamespaces, allNamespaces, bindAddress, proxyPort, dnsPort,
                clusterDomain, allowDirect, proxyAuth, mode);
    }
}

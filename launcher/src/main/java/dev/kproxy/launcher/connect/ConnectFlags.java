package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.spdy.TransportMode;
import dev.kproxy.launcher.UserError;
import dev.kproxy.proxy.ProxyCredentials;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The options of {@code kproxy connect}, shared with the hidden {@code kproxy daemon} command it
 * starts. The proxy password never goes on the daemon's command line (where {@code ps} shows it):
 * it travels in a 0600 file in {@code $KPROXY_HOME} that the daemon reads and deletes.
 */
public final class ConnectFlags {

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
    Path kubeconfig;

    @Option(names = "--context", paramLabel = "CONTEXT", description = "kubeconfig context (default: the current one)")
    String context;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "namespace of bare service names, and the DNS search namespace (default: the context's)")
    String namespace;

    @Option(names = "--mapped-namespaces", paramLabel = "NS", split = ",",
            description = "more namespaces whose names resolve, comma-separated")
    List<String> mappedNamespaces = new ArrayList<>();

    @Option(names = {"-A", "--all-namespaces"}, description = "resolve names of every namespace (needs cluster-wide list/watch)")
    boolean allNamespaces;

    @Option(names = "--proxy-port", paramLabel = "PORT", description = "SOCKS5/SOCKS4a/HTTP proxy port (default: ${DEFAULT-VALUE})")
    int proxyPort = ConnectOptions.DEFAULT_PROXY_PORT;

    @Option(names = "--dns-port", paramLabel = "PORT", description = "DNS port, UDP and TCP on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int dnsPort = ConnectOptions.DEFAULT_DNS_PORT;

    @Option(names = "--cluster-domain", paramLabel = "DOMAIN", description = "the cluster's DNS domain (default: ${DEFAULT-VALUE})")
    String clusterDomain = "cluster.local";

    @Option(names = "--no-direct", description = "refuse names outside the cluster instead of connecting to them from this machine")
    boolean noDirect;

    @Option(names = "--bind", paramLabel = "ADDR", description = "proxy listen address (default: ${DEFAULT-VALUE}); anything but loopback needs --proxy-auth")
    String bind = "127.0.0.1";

    @Option(names = "--proxy-auth", paramLabel = "USER:PASS", description = "username and password the proxy asks for (SOCKS5 and HTTP Basic)")
    String proxyAuth;

    @Option(names = "--proxy-auth-file", hidden = true, paramLabel = "FILE")
    Path proxyAuthFile;

    @Option(names = "--transport", paramLabel = "MODE",
            description = "port-forward transport: auto (tunnel, then spdy, then websocket), tunnel, spdy or websocket (default: ${DEFAULT-VALUE})")
    String transport = "auto";

    public ConnectOptions options() {
        if (allNamespaces && !mappedNamespaces.isEmpty()) {
            throw new UserError("--mapped-namespaces and --all-namespaces exclude each other: pick one");
        }
        Set<String> mapped = new LinkedHashSet<>();
        mappedNamespaces.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(mapped::add);
        return new ConnectOptions(kubeconfig == null ? null : kubeconfig.toAbsolutePath(), context, namespace, mapped,
                allNamespaces, bind, proxyPort, dnsPort, clusterDomain, !noDirect, credentials(), transportMode());
    }

    private TransportMode transportMode() {
        try {
            return TransportMode.parse(transport);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage() + " (--transport)");
        }
    }

    private Optional<ProxyCredentials> credentials() {
        String pair = proxyAuth;
        if (pair == null && proxyAuthFile != null) {
            try {
                pair = Files.readString(proxyAuthFile).strip();
                Files.deleteIfExists(proxyAuthFile);
            } catch (IOException e) {
                throw new UserError("cannot read the proxy credentials file " + proxyAuthFile + ": " + e.getMessage());
            }
        }
        if (pair == null) {
            return Optional.empty();
        }
        int colon = pair.indexOf(':');
        if (colon <= 0) {
            throw new UserError("--proxy-auth wants USER:PASS");
        }
        try {
            return Optional.of(new ProxyCredentials(pair.substring(0, colon), pair.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage() + " (--proxy-auth)");
        }
    }

    /** The same options as arguments for the daemon; the password goes into {@code secretDir}, not the arguments. */
    public List<String> daemonArgs(Path secretDir) {
        options(); // validate before anything starts
        List<String> args = new ArrayList<>();
        if (kubeconfig != null) {
            args.addAll(List.of("--kubeconfig", kubeconfig.toAbsolutePath().toString()));
        }
        if (context != null) {
            args.addAll(List.of("--context", context));
        }
        if (namespace != null) {
            args.addAll(List.of("--namespace", namespace));
        }
        if (!mappedNamespaces.isEmpty()) {
            args.addAll(List.of("--mapped-namespaces", String.join(",", mappedNamespaces)));
        }
        if (allNamespaces) {
            args.add("--all-namespaces");
        }
        args.addAll(List.of("--proxy-port", Integer.toString(proxyPort), "--dns-port", Integer.toString(dnsPort),
                "--cluster-domain", clusterDomain, "--bind", bind));
        if (noDirect) {
            args.add("--no-direct");
        }
        args.addAll(List.of("--transport", transport));
        if (proxyAuth != null) {
            args.addAll(List.of("--proxy-auth-file", writeSecret(secretDir, proxyAuth).toString()));
        }
        return args;
    }

    private static Path writeSecret(Path dir, String secret) {
        try {
            Path file = Files.createTempFile(dir, "proxy-auth", ".txt", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, secret);
            return file;
        } catch (IOException e) {
            throw new UserError("cannot hand the proxy credentials to the daemon: " + e.getMessage());
        }
    }
}

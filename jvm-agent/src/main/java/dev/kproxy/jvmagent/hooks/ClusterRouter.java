package dev.kproxy.jvmagent.hooks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What the hooks ask: is this name a cluster name (then its cluster addresses), and is this
 * address a cluster destination (then the daemon's loopback listener for it). Everything outside
 * the cluster gets {@code null} or the address unchanged, so the JDK carries on exactly as
 * without the agent. Answers come from the daemon ({@link DaemonLink}); routes are kept for the
 * daemon's lifetime (its listeners live that long) but asked again every 30 s (a restarted
 * daemon has new ones), names for a few seconds (pods churn).
 */
public final class ClusterRouter {
    private static final long NAME_TTL_NANOS = 5_000_000_000L;
    private static final long CONFIG_TTL_NANOS = 30_000_000_000L;
    /** Listeners live as long as the daemon; asking again now and then finds a restarted daemon's new ones. */
    private static final long ROUTE_TTL_NANOS = 30_000_000_000L;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private record Names(InetAddress[] addresses, long expires) {
    }

    private record Route(int port, long expires) {
    }

    private final DaemonLink daemon;
    private final Map<String, Names> names = new ConcurrentHashMap<>();
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    /** Listener port → the cluster address it stands for: the peer address apps are shown. */
    private final Map<Integer, InetSocketAddress> listeners = new ConcurrentHashMap<>();
    private volatile String domain = "cluster.local";
    private volatile Set<String> namespaces = Set.of();
    private volatile boolean allNamespaces;
    private volatile AddressRanges ranges = AddressRanges.NONE;
    private volatile long configFetched;
    /** Open once the first config fetch ended (it runs beside the app's start, see {@link #fetchConfigInBackground}). */
    private final CountDownLatch firstConfig = new CountDownLatch(1);

    public ClusterRouter(DaemonLink daemon) {
        this.daemon = daemon;
    }

    /**
     * Fetches the config on a daemon thread, so the app's start does not wait for the daemon (its
     * Unix socket, and the JDK's first SecureRandom behind it, take tens of milliseconds). The
     * first lookup or cluster-range check waits for it.
     */
    public void fetchConfigInBackground() {
        Thread t = new Thread(new Runnable() {
            @Override
            public void run() {
                fetchConfig();
            }
        }, "kproxy-agent-config");
        t.setDaemon(true);
        t.start();
    }

    private void awaitFirstConfig() {
        try {
            if (!firstConfig.await(10, TimeUnit.SECONDS)) {
                Warnings.once("config", "no answer from the kproxy daemon on " + daemon.socket() + " within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Fetches the cluster domain, namespaces, ranges and current service names; false when the daemon is not there. */
    public boolean fetchConfig() {
        try {
            return applyConfig(ask("config"));
        } finally {
            firstConfig.countDown();
        }
    }

    private boolean applyConfig(String answer) {
        if (answer == null || !answer.startsWith("ok")) {
            return false;
        }
        Map<String, String> fields = new HashMap<>();
        for (String token : answer.split(" ")) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                fields.put(token.substring(0, eq), token.substring(eq + 1));
            }
        }
        domain = fields.getOrDefault("domain", domain);
        String watched = fields.getOrDefault("watched", "");
        allNamespaces = watched.equals("*");
        namespaces = allNamespaces ? Set.of() : Set.of(watched.isEmpty() ? new String[0] : watched.split(","));
        ranges = AddressRanges.parse(fields.getOrDefault("ranges", ""));
        long now = System.nanoTime();
        for (String entry : fields.getOrDefault("names", "").split(",")) {
            int colon = entry.indexOf(':');
            if (colon > 0) {
                InetAddress[] a = addresses(entry.substring(0, colon), entry.substring(colon + 1).split("\\|"));
                if (a != null) {
                    names.put(entry.substring(0, colon), new Names(a, now + NAME_TTL_NANOS));
                }
            }
        }
        configFetched = now;
        return true;
    }

    /** The cluster addresses of {@code host}, or null when it is not a cluster name. */
    public InetAddress[] lookup(String host) {
        String name = normalise(host);
        awaitFirstConfig();
        if (!mayBeClusterName(name)) {
            return null;
        }
        Names cached = names.get(name);
        long now = System.nanoTime();
        if (cached != null && now - cached.expires < 0) {
            return cached.addresses.clone();
        }
        String answer = ask("resolve " + name);
        if (answer == null || !answer.startsWith("ok ")) {
            names.remove(name);
            return null;
        }
        InetAddress[] found = addresses(host, answer.substring(3).split(" "));
        if (found != null) {
            names.put(name, new Names(found, now + NAME_TTL_NANOS));
        }
        return found == null ? null : found.clone();
    }

    /** The daemon's loopback listener standing for {@code remote}, or {@code remote} itself when it is no cluster destination. */
    public InetSocketAddress route(InetSocketAddress remote) {
        InetAddress address = remote.getAddress();
        if (address == null || !inClusterRange(address)) {
            return remote;
        }
        String key = address.getHostAddress() + " " + remote.getPort();
        Route cached = routes.get(key);
        long now = System.nanoTime();
        int port;
        if (cached != null && now - cached.expires < 0) {
            port = cached.port;
        } else {
            String answer = ask("route " + key);
            if (answer == null || !answer.startsWith("ok ")) {
                routes.remove(key);
                return remote;
            }
            port = Integer.parseInt(answer.substring(3).trim());
            routes.put(key, new Route(port, now + ROUTE_TTL_NANOS));
        }
        listeners.put(port, new InetSocketAddress(address, remote.getPort()));
        return new InetSocketAddress(LOOPBACK, port);
    }

    /** The cluster address a daemon listener stands for, or null when {@code local} is not one of them. */
    public InetSocketAddress clusterAddressOf(InetSocketAddress local) {
        InetAddress a = local.getAddress();
        return a != null && a.isLoopbackAddress() ? listeners.get(local.getPort()) : null;
    }

    private boolean inClusterRange(InetAddress address) {
        awaitFirstConfig();
        if (ranges.contains(address)) {
            return true;
        }
        // A pod that appeared after start-up may sit in a range not seen yet (a new node's pod CIDR).
        if (System.nanoTime() - configFetched > CONFIG_TTL_NANOS && !address.isLoopbackAddress() && fetchConfig()) {
            return ranges.contains(address);
        }
        return false;
    }

    /** Names cluster DNS could answer: short names, svc.namespace, *.svc and anything under the cluster domain. */
    private boolean mayBeClusterName(String name) {
        if (name.isEmpty() || name.equals("localhost") || name.endsWith(".localhost") || isLiteral(name)) {
            return false;
        }
        int dot = name.indexOf('.');
        if (dot < 0 || name.endsWith(".svc") || name.endsWith("." + domain)) {
            return true;
        }
        int last = name.lastIndexOf('.');
        return last == dot && (allNamespaces || namespaces.contains(name.substring(dot + 1)));
    }

    private static boolean isLiteral(String name) {
        if (name.indexOf(':') >= 0) {
            return true;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    private static String normalise(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        while (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return name;
    }

    private static InetAddress[] addresses(String host, String[] literals) {
        try {
            InetAddress[] result = new InetAddress[literals.length];
            for (int i = 0; i < literals.length; i++) {
                // getByAddress keeps the name the app asked for (hostname checks, getHostName()).
                result[i] = InetAddress.getByAddress(host, InetAddress.getByName(literals[i]).getAddress());
            }
            return result.length == 0 ? null : result;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private String ask(String request) {
        try {
            return daemon.ask(request);
        } catch (IOException e) {
            Warnings.once("daemon", "the kproxy daemon does not answer on " + daemon.socket() + " (" + e.getMessage()
                    + "); cluster names and addresses are not mapped until it does. Start it with `kproxy connect`.");
            return null;
        }
    }

    @Override
    public String toString() {
        return "ClusterRouter" + Arrays.asList(domain, namespaces, routes.size());
    }
}

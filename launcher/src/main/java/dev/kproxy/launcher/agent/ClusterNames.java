package dev.kproxy.launcher.agent;

import dev.kproxy.dns.ClusterAnswer;
import dev.kproxy.dns.ClusterAnswerer;
import dev.kproxy.dns.ClusterName;
import dev.kproxy.dns.ClusterNameParser;
import dev.kproxy.k8s.ClusterIndex;
import dev.kproxy.k8s.ClusterPod;
import dev.kproxy.k8s.ClusterService;
import dev.kproxy.launcher.connect.ClusterDirectoryAdapter;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Cluster names and ranges for the agent, answered exactly as the daemon's DNS server answers them
 * (the same {@link ClusterAnswerer} over the same index), with the search path a pod in the
 * default namespace has: {@code svc}, {@code svc.ns}, {@code svc.ns.svc} and full names.
 */
final class ClusterNames {
    private final ClusterIndex index;
    private final String namespace;
    private final String domain;
    private final Name domainName;
    private final ClusterNameParser parser;
    private final ClusterAnswerer answerer;

    ClusterNames(ClusterIndex index, String namespace, String domain) {
        this.index = index;
        this.namespace = namespace;
        this.domain = domain.toLowerCase(Locale.ROOT).replaceAll("^\\.+|\\.+$", "");
        try {
            this.domainName = Name.fromString(this.domain + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("cluster domain " + domain + ": " + e.getMessage(), e);
        }
        this.parser = new ClusterNameParser(domainName);
        this.answerer = new ClusterAnswerer(new ClusterDirectoryAdapter(index), domainName);
    }

    String domain() {
        return domain;
    }

    /** The addresses of a cluster name, empty when it is none (the agent then lets the JDK resolve it). */
    List<String> resolve(String host) {
        String name = host.toLowerCase(Locale.ROOT).replaceAll("\\.+$", "");
        for (String candidate : candidates(name)) {
            List<String> found = addresses(candidate);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private List<String> candidates(String name) {
        String[] labels = name.split("\\.");
        if (name.endsWith("." + domain)) {
            return List.of(name);
        }
        if (name.endsWith(".svc")) {
            return List.of(name + "." + domain);
        }
        if (labels.length == 1) {
            return List.of(name + "." + namespace + ".svc." + domain);
        }
        if (labels.length == 2) {
            return List.of(name + ".svc." + domain);
        }
        return List.of();
    }

    private List<String> addresses(String fqdn) {
        Name owner;
        try {
            owner = Name.fromString(fqdn + ".");
        } catch (TextParseException e) {
            return List.of();
        }
        Optional<ClusterName> parsed = parser.parse(owner);
        if (parsed.isEmpty()) {
            return List.of();
        }
        List<String> ips = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            if (answerer.answer(parsed.get(), owner, type) instanceof ClusterAnswer.Found found) {
                for (Record r : found.answers()) {
                    InetAddress a = r instanceof ARecord ar ? ar.getAddress() : r instanceof AAAARecord aaaa ? aaaa.getAddress() : null;
                    if (a != null) {
                        ips.add(a.getHostAddress());
                    }
                }
            }
        }
        return ips;
    }

    /** Whether an address is one kproxy routes: a ClusterIP or a pod IP the index knows. */
    boolean isClusterAddress(String ip) {
        return index.serviceByClusterIp(ip).isPresent() || index.podByIp(ip).isPresent();
    }

    /** Prefixes covering every ClusterIP and pod IP (IPv4 /16, IPv6 /64), e.g. {@code 10.96.0.0/16,10.244.0.0/16}. */
    String ranges() {
        TreeSet<String> ranges = new TreeSet<>();
        index.services().forEach(s -> s.clusterIPs().forEach(ip -> addRange(ranges, ip)));
        for (ClusterPod pod : index.pods()) {
            pod.ips().forEach(ip -> addRange(ranges, ip));
        }
        return String.join(",", ranges);
    }

    private static void addRange(TreeSet<String> ranges, String ip) {
        if (ip == null || ip.isBlank() || ip.equalsIgnoreCase("None")) {
            return;
        }
        try {
            byte[] b = InetAddress.getByName(ip).getAddress();
            int bits = b.length == 4 ? 16 : 64;
            for (int i = bits / 8; i < b.length; i++) {
                b[i] = 0;
            }
            ranges.add(InetAddress.getByAddress(b).getHostAddress() + "/" + bits);
        } catch (java.net.UnknownHostException e) {
            // not an address literal: nothing to route
        }
    }

    /** {@code svc.ns:ip} (and {@code svc:ip} in the default namespace) for every service with a ClusterIP. */
    String serviceNames() {
        List<String> entries = new ArrayList<>();
        for (ClusterService s : index.services()) {
            if (s.headless() || s.isExternalName() || s.clusterIPs().isEmpty()) {
                continue;
            }
            String ips = String.join("|", s.clusterIPs());
            entries.add(s.name() + "." + s.namespace() + ":" + ips);
            if (s.namespace().equals(namespace)) {
                entries.add(s.name() + ":" + ips);
            }
        }
        return String.join(",", entries);
    }
}

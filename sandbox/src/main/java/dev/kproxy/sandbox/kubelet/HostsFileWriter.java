package dev.kproxy.sandbox.kubelet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.kproxy.sandbox.network.ClusterIpTwin;
import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox's stand-in for CoreDNS: a hosts file per pod ({@code POD_DIR/etc/hosts}) naming
 * every Service the way cluster DNS would (docs: "DNS for Services and Pods"). A Service with a
 * ClusterIP maps to the IP's loopback twin ({@link ClusterIpTwin}); a headless Service maps to
 * its ready pods' IPs, and pods with {@code hostname}+{@code subdomain} of that Service get their
 * own {@code hostname.svc.ns.svc.cluster.local} line. The short name {@code svc} is only written for
 * Services in the pod's own namespace, as the pod's DNS search path would resolve it. JVMs read it
 * through {@code -Djdk.net.hosts.file}.
 */
final class HostsFileWriter {
    private static final System.Logger LOG = System.getLogger(HostsFileWriter.class.getName());

    private final ObjectStore store;

    HostsFileWriter(ObjectStore store) {
        this.store = store;
    }

    static Path hostsFile(Path podDir) {
        return podDir.resolve("etc").resolve("hosts");
    }

    /** Rewrites the pod's hosts file when its content changed; temp file + rename, so readers never see half a file. */
    void write(PodWorker worker) {
        String content = render(worker.pod(), worker.ip());
        Path target = hostsFile(worker.dir());
        try {
            if (Files.exists(target) && Files.readString(target, StandardCharsets.UTF_8).equals(content)) {
                return;
            }
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), ".hosts", ".tmp");
            try {
                Files.writeString(tmp, content, StandardCharsets.UTF_8);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot write " + target + ": " + e.getMessage());
        }
    }

    String render(JsonNode pod, String podIp) {
        String namespace = pod.path("metadata").path("namespace").asString("");
        StringBuilder out = new StringBuilder();
        out.append("# Kubernetes-managed hosts file, written by the kproxy sandbox kubelet: Service names stand in for cluster DNS.\n");
        out.append("127.0.0.1\tlocalhost\n");
        out.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
        String fqdn = PodNames.fqdn(pod);
        out.append(podIp).append('\t').append(fqdn.isEmpty() ? "" : fqdn + " ").append(PodNames.hostname(pod)).append('\n');
        List<ObjectNode> services = store.list(ResourceCatalog.SERVICE, null);
        for (ObjectNode svc : services) {
            String svcName = svc.path("metadata").path("name").asString("");
            String svcNs = svc.path("metadata").path("namespace").asString("");
            String names = svcName + "." + svcNs + ".svc.cluster.local " + svcName + "." + svcNs + ".svc " + svcName + "." + svcNs
                    + (svcNs.equals(namespace) ? " " + svcName : "");
            Optional<String> twin = ClusterIpTwin.of(svc.path("spec").path("clusterIP").asString(""));
            if (twin.isPresent()) {
                out.append(twin.get()).append('\t').append(names).append('\n');
            } else if ("None".equals(svc.path("spec").path("clusterIP").asString(""))) {
                for (ObjectNode member : headlessMembers(svc)) {
                    String ip = member.path("status").path("podIP").asString("");
                    out.append(ip).append('\t').append(names).append('\n');
                    if (svcName.equals(member.path("spec").path("subdomain").asString(""))) {
                        String host = PodNames.hostname(member);
                        out.append(ip).append('\t').append(host).append('.').append(svcName).append('.').append(svcNs)
                                .append(".svc.cluster.local").append('\n');
                    }
                }
            }
        }
        return out.toString();
    }

    /** The pods a headless Service's DNS name resolves to: selected, with an IP, and Ready unless publishNotReadyAddresses. */
    private List<ObjectNode> headlessMembers(JsonNode svc) {
        JsonNode selector = svc.path("spec").path("selector");
        if (selector.size() == 0) {
            return List.of();
        }
        boolean includeUnready = svc.path("spec").path("publishNotReadyAddresses").asBoolean(false);
        return store.list(ResourceCatalog.POD, svc.path("metadata").path("namespace").asString(""), p -> {
            for (Map.Entry<String, JsonNode> e : selector.properties()) {
                if (!e.getValue().asString("").equals(p.path("metadata").path("labels").path(e.getKey()).asString(null))) {
                    return false;
                }
            }
            return !p.path("status").path("podIP").asString("").isEmpty() && (includeUnready || ready(p));
        });
    }

    private static boolean ready(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asString("")) && "True".equals(c.path("status").asString(""))) {
                return true;
            }
        }
        return false;
    }
}

package dev.kproxy.intercept;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.client.KubernetesClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What can be intercepted in a namespace: each Service with a selector, the one workload it selects,
 * its ports, and whether kproxy's agent is installed there now. {@code kproxy list} shows this, and
 * {@code kproxy intercept --workload W} uses it to find W's Service.
 */
public final class InterceptTargets {

    /** A Service port as the Service declares it; {@code targetPort} is a name or a number, as text. */
    public record ServicePort(String name, int port, String targetPort) {
    }

    /**
     * @param workload     {@code deployment/sage}, or empty when the Service selects no single workload
     * @param kind         {@code Deployment}, {@code StatefulSet}, {@code ReplicaSet}, or empty
     * @param problem      why the Service cannot be intercepted, or empty
     * @param intercepted  the workload carries kproxy's install record
     */
    public record Target(String namespace, String service, List<ServicePort> ports, String workload, String kind,
                         String problem, boolean intercepted) {
        public Target {
            ports = List.copyOf(ports);
        }

        /** {@code sage} of {@code deployment/sage}. */
        public String workloadName() {
            return workload.substring(workload.indexOf('/') + 1);
        }
    }

    private final ClusterObjects objects;
    private final WorkloadFinder finder;

    public InterceptTargets(KubernetesClient client) {
        this.objects = new ClusterObjects(client);
        this.finder = new WorkloadFinder(objects);
    }

    public List<Target> list(String namespace) {
        List<Target> targets = new ArrayList<>();
        for (ObjectNode service : objects.list(ObjectKind.SERVICE, namespace, Map.of())) {
            if (service.path("spec").path("selector").isEmpty()) {
                continue; // no pods of its own: nothing to put an agent beside
            }
            String ns = service.path("metadata").path("namespace").asString();
            String name = service.path("metadata").path("name").asString();
            List<ServicePort> ports = new ArrayList<>();
            for (JsonNode p : service.path("spec").path("ports")) {
                JsonNode target = p.path("targetPort");
                ports.add(new ServicePort(p.path("name").asString(""), p.path("port").asInt(),
                        target.isMissingNode() || target.isNull() ? String.valueOf(p.path("port").asInt()) : target.asString()));
            }
            try {
                Workload w = finder.find(service);
                targets.add(new Target(ns, name, ports, w.ref(), w.kind().kind, "", InstallRecord.read(w.object()).isPresent()));
            } catch (InterceptException e) {
                targets.add(new Target(ns, name, ports, "", "", e.getMessage(), false));
            }
        }
        return targets;
    }

    /** The Service whose pods are the workload's; one line naming the fix when there is none or several. */
    public String serviceOf(String namespace, String workloadName) {
        List<String> services = list(namespace).stream().filter(t -> !t.workload().isEmpty()
                && t.workloadName().equals(workloadName)).map(Target::service).toList();
        if (services.size() == 1) {
            return services.get(0);
        }
        if (services.isEmpty()) {
            throw new InterceptException("no Service in namespace " + namespace + " selects workload " + workloadName
                    + ": check the name (kubectl get deployments,statefulsets,services -n " + namespace + "), or expose it with a Service");
        }
        throw new InterceptException("several Services select workload " + workloadName + " (" + String.join(", ", services)
                + "): pick one with --service");
    }
}

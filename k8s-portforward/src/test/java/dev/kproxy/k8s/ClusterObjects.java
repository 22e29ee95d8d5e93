package dev.kproxy.k8s;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;

/**
 * Creates Services and hand-written EndpointSlices through fabric8. The services have no selector,
 * so an endpoint controller leaves the slices alone (as in Kubernetes, where only slices labelled
 * {@code endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io} are managed).
 */
final class ClusterObjects {

    private final KubernetesClient client;

    ClusterObjects(KubernetesClient client) {
        this.client = client;
    }

    void namespace(String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    Service service(String namespace, String name, ServicePort... ports) {
        return client.services().inNamespace(namespace).resource(new ServiceBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withPorts(ports).endSpec().build()).create();
    }

    Service headless(String namespace, String name, ServicePort... ports) {
        return client.services().inNamespace(namespace).resource(new ServiceBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withClusterIP("None").withPorts(ports).endSpec().build()).create();
    }

    Service externalName(String namespace, String name, String externalName) {
        return client.services().inNamespace(namespace).resource(new ServiceBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName(externalName).endSpec().build()).create();
    }

    static ServicePort port(String name, int port, String targetPort) {
        return new ServicePortBuilder().withName(name.isEmpty() ? null : name).withPort(port).withProtocol("TCP")
                .withTargetPort(targetPort.chars().allMatch(Character::isDigit)
                        ? new IntOrString(Integer.parseInt(targetPort)) : new IntOrString(targetPort))
                .build();
    }

    /** A slice for {@code service} whose single port is named like the service port and numbered {@code podPort}. */
    EndpointSlice slice(String namespace, String name, String service, String portName, int podPort, Endpoint... endpoints) {
        return client.discovery().v1().endpointSlices().inNamespace(namespace).resource(new EndpointSliceBuilder()
                .withNewMetadata().withName(name).addToLabels(ClusterIndex.SERVICE_NAME_LABEL, service).endMetadata()
                .withAddressType("IPv4")
                .addNewPort().withName(portName).withPort(podPort).withProtocol("TCP").endPort()
                .withEndpoints(endpoints).build()).create();
    }

    static Endpoint endpoint(String ip, String pod, Boolean ready, Boolean terminating) {
        return new EndpointBuilder().withAddresses(List.of(ip))
                .withNewConditions().withReady(ready).withServing(ready).withTerminating(terminating).endConditions()
                .withTargetRef(new ObjectReferenceBuilder().withKind("Pod").withName(pod).build())
                .build();
    }

    static Endpoint endpoint(String ip, String pod, String hostname) {
        return new EndpointBuilder(endpoint(ip, pod, true, false)).withHostname(hostname).build();
    }
}

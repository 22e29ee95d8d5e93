package dev.kproxy.sandbox.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** `kproxy leave` compares specs before and after: admission must be a fixed point on its own output. */
class AdmissionPropertiesTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final Sandbox sandbox = new Sandbox();
    private int serial;

    @AfterProperty
    void close() {
        sandbox.close();
    }

    @Provide
    Arbitrary<ObjectNode> containers() {
        Arbitrary<String> image = Arbitraries.of("web", "web:1", "web:latest", "reg:5000/web", "reg:5000/web:2", "web@sha256:ab");
        Arbitrary<String> pullPolicy = Arbitraries.of("", "Always", "Never", "IfNotPresent");
        Arbitrary<List<Integer>> ports = Arbitraries.integers().between(1, 65535).list().uniqueElements().ofMaxSize(3);
        Arbitrary<Integer> probeTimeout = Arbitraries.integers().between(0, 5);
        Arbitrary<Boolean> limits = Arbitraries.of(true, false);
        return Combinators.combine(image, pullPolicy, ports, probeTimeout, limits).as((img, policy, ps, timeout, withLimits) -> {
            ObjectNode c = NODES.objectNode().put("image", img);
            if (!policy.isEmpty()) {
                c.put("imagePullPolicy", policy);
            }
            ArrayNode portList = c.putArray("ports");
            ps.forEach(p -> portList.addObject().put("containerPort", p));
            if (timeout > 0) {
                c.putObject("livenessProbe").put("timeoutSeconds", timeout).putObject("httpGet").put("port", 8080);
            }
            if (withLimits) {
                c.putObject("resources").putObject("limits").put("memory", "64Mi");
            }
            return c;
        });
    }

    @Provide
    Arbitrary<List<ObjectNode>> containerLists() {
        return containers().list().ofMinSize(1).ofMaxSize(3);
    }

    private ObjectNode podSpec(List<ObjectNode> containers) {
        ObjectNode spec = NODES.objectNode();
        ArrayNode list = spec.putArray("containers");
        for (int i = 0; i < containers.size(); i++) {
            list.add(containers.get(i).deepCopy().put("name", "c" + i));
        }
        return spec;
    }

    @Property(tries = 200)
    void podAdmissionIsAFixedPoint(@ForAll("containerLists") List<ObjectNode> containers) {
        ObjectNode pod = NODES.objectNode();
        pod.putObject("metadata").put("name", "p" + serial++).put("namespace", "default");
        pod.set("spec", podSpec(containers));
        ObjectNode stored = sandbox.create(ResourceCatalog.POD, pod);
        assertThat(sandbox.admission.admitUpdate(ResourceCatalog.POD, stored, stored)).isEqualTo(stored);
    }

    @Property(tries = 200)
    void deploymentAdmissionIsAFixedPoint(@ForAll("containerLists") List<ObjectNode> containers,
            @ForAll("replicas") Integer replicas) {
        ObjectNode d = NODES.objectNode();
        d.putObject("metadata").put("name", "d" + serial++).put("namespace", "default");
        ObjectNode spec = d.putObject("spec");
        if (replicas != null) {
            spec.put("replicas", replicas);
        }
        spec.putObject("selector").putObject("matchLabels").put("app", "x");
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").putObject("labels").put("app", "x");
        template.set("spec", podSpec(containers));
        ObjectNode admitted = sandbox.admission.admitCreate(ResourceCatalog.DEPLOYMENT, d);
        assertThat(sandbox.admission.admitUpdate(ResourceCatalog.DEPLOYMENT, admitted, admitted)).isEqualTo(admitted);
    }

    @Provide
    Arbitrary<Integer> replicas() {
        return Arbitraries.integers().between(0, 5).injectNull(0.3);
    }

    @Property(tries = 100)
    void serviceAdmissionIsAFixedPointAndKeepsAllocationsAnUpdateLeavesOut(
            @ForAll("serviceTypes") String type, @ForAll("servicePorts") List<Integer> ports) {
        ObjectNode svc = NODES.objectNode();
        svc.putObject("metadata").put("name", "s" + serial++).put("namespace", "default");
        ObjectNode spec = svc.putObject("spec").put("type", type);
        ArrayNode list = spec.putArray("ports");
        ports.forEach(p -> list.addObject().put("name", "p" + p).put("port", p));
        ObjectNode stored = sandbox.create(ResourceCatalog.SERVICE, svc);
        assertThat(sandbox.admission.admitUpdate(ResourceCatalog.SERVICE, stored, stored)).isEqualTo(stored);
        assertThat(sandbox.admission.admitUpdate(ResourceCatalog.SERVICE, stored, svc).get("spec")).isEqualTo(stored.get("spec"));
    }

    @Provide
    Arbitrary<String> serviceTypes() {
        return Arbitraries.of("ClusterIP", "NodePort", "LoadBalancer");
    }

    @Provide
    Arbitrary<List<Integer>> servicePorts() {
        return Arbitraries.integers().between(1, 65535).list().uniqueElements().ofMinSize(1).ofMaxSize(3);
    }
}

package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.patch.Json.node;
import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.node.ObjectNode;

class ServiceAllocationTest {
    private final Sandbox sandbox = new Sandbox();

    @AfterEach
    void close() {
        sandbox.close();
    }

    private static ObjectNode service(String name, String spec) {
        return object("{'metadata':{'name':'" + name + "','namespace':'default'},'spec':" + spec + "}");
    }

    private ObjectNode create(String name, String spec) {
        return sandbox.create(ResourceCatalog.SERVICE, service(name, spec));
    }

    private static long ipValue(String ip) {
        long v = 0;
        for (String part : ip.split("\\.")) {
            v = v << 8 | Integer.parseInt(part);
        }
        return v;
    }

    @Test
    void clusterIpsComeFromTheServiceCidrAndDiffer() {
        String a = create("a", "{'ports':[{'port':80}]}").at("/spec/clusterIP").asString();
        String b = create("b", "{'ports':[{'port':80}]}").at("/spec/clusterIP").asString();
        assertThat(a).isNotEqualTo(b);
        for (String ip : List.of(a, b)) {
            assertThat(ipValue(ip)).isBetween(ipValue("10.96.0.2"), ipValue("10.111.255.254"));
        }
        assertThat(create("c", "{'ports':[{'port':80}]}").at("/spec/clusterIPs")).hasSize(1);
    }

    @Test
    void theKubernetesServiceGetsTheFirstIpAndNobodyElseMay() {
        ObjectNode k = create("kubernetes", "{'ports':[{'name':'https','port':443,'targetPort':6443}]}");
        assertThat(k.at("/spec/clusterIP").asString()).isEqualTo("10.96.0.1");
        assertThatThrownBy(() -> create("other", "{'clusterIP':'10.96.0.1','ports':[{'port':80}]}"))
                .hasMessage("Service \"other\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.1\"}:"
                        + " failed to allocate IP 10.96.0.1: provided IP is already allocated");
    }

    @Test
    void aRequestedFreeIpIsHonouredAndATakenOneRefused() {
        assertThat(create("dns", "{'clusterIP':'10.96.0.10','ports':[{'port':53,'protocol':'UDP'}]}").at("/spec/clusterIPs"))
                .isEqualTo(node("['10.96.0.10']"));
        assertThatThrownBy(() -> create("dns2", "{'clusterIP':'10.96.0.10','ports':[{'port':53}]}"))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID))
                .hasMessage("Service \"dns2\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.10\"}:"
                        + " failed to allocate IP 10.96.0.10: provided IP is already allocated");
        assertThatThrownBy(() -> create("far", "{'clusterIP':'192.168.1.1','ports':[{'port':53}]}"))
                .hasMessage("Service \"far\" is invalid: spec.clusterIPs: Invalid value: []string{\"192.168.1.1\"}:"
                        + " failed to allocate IP 192.168.1.1: the provided IP (192.168.1.1) is not in the valid range."
                        + " The range of valid IPs is 10.96.0.0/12");
    }

    @Test
    void headlessAndExternalNameServicesGetNoIp() {
        assertThat(create("headless", "{'clusterIP':'None','ports':[{'port':80}]}").at("/spec/clusterIPs"))
                .isEqualTo(node("['None']"));
        assertThat(create("ext", "{'type':'ExternalName','externalName':'db.example.com'}").get("spec").has("clusterIP")).isFalse();
    }

    @Test
    void nodePortsAreAllocatedHonouredAndRefusedWhenTaken() {
        ObjectNode svc = create("np", "{'type':'NodePort','ports':[{'name':'a','port':80,'nodePort':30080},{'name':'b','port':81}]}");
        assertThat(svc.at("/spec/ports/0/nodePort").asInt()).isEqualTo(30080);
        assertThat(svc.at("/spec/ports/1/nodePort").asInt()).isBetween(30000, 32767).isNotEqualTo(30080);
        assertThatThrownBy(() -> create("np2", "{'type':'NodePort','ports':[{'port':80,'nodePort':30080}]}"))
                .hasMessage("Service \"np2\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated");
        assertThatThrownBy(() -> create("np3", "{'type':'NodePort','ports':[{'port':80,'nodePort':8080}]}"))
                .hasMessage("Service \"np3\" is invalid: spec.ports[0].nodePort: Invalid value: 8080:"
                        + " provided port is not in the valid range. The range of valid ports is 30000-32767");
        ObjectNode lb = create("lb", "{'type':'LoadBalancer','ports':[{'port':443}]}");
        assertThat(lb.at("/spec/ports/0/nodePort").asInt()).isBetween(30000, 32767);
    }

    @Test
    void aRefusedAdmitGivesBackWhatItHadAllocated() {
        create("first", "{'type':'NodePort','ports':[{'port':80,'nodePort':30501}]}");
        assertThatThrownBy(() -> create("second", "{'type':'NodePort','clusterIP':'10.96.0.50',"
                + "'ports':[{'name':'a','port':80,'nodePort':30500},{'name':'b','port':81,'nodePort':30501}]}"))
                .hasMessageContaining("spec.ports[1].nodePort: Invalid value: 30501: provided port is already allocated");
        ObjectNode third = create("third", "{'type':'NodePort','clusterIP':'10.96.0.50','ports':[{'port':80,'nodePort':30500}]}");
        assertThat(third.at("/spec/ports/0/nodePort").asInt()).isEqualTo(30500);
    }

    @Test
    void updatesKeepAllocatedValuesTheyLeaveOutAndMayNotChangeTheClusterIp() {
        ObjectNode svc = create("web", "{'type':'NodePort','ports':[{'name':'http','port':80}]}");
        ObjectNode replacement = service("web", "{'type':'NodePort','ports':[{'name':'http','port':80,'targetPort':8080}]}");
        ObjectNode updated = sandbox.update(ResourceCatalog.SERVICE, svc, replacement);
        assertThat(updated.at("/spec/clusterIP")).isEqualTo(svc.at("/spec/clusterIP"));
        assertThat(updated.at("/spec/clusterIPs")).isEqualTo(svc.at("/spec/clusterIPs"));
        assertThat(updated.at("/spec/ports/0/nodePort")).isEqualTo(svc.at("/spec/ports/0/nodePort"));
        assertThat(updated.at("/spec/ports/0/targetPort").asInt()).isEqualTo(8080);

        ObjectNode moved = updated.deepCopy();
        ((ObjectNode) moved.get("spec")).put("clusterIP", "10.96.0.99").putArray("clusterIPs").add("10.96.0.99");
        assertThatThrownBy(() -> sandbox.admission.admitUpdate(ResourceCatalog.SERVICE, updated, moved))
                .hasMessage("Service \"web\" is invalid: spec.clusterIP: Invalid value: \"10.96.0.99\": field is immutable");
    }

    @Test
    void anUpdateToClusterIpReleasesNodePortsAndDeleteReleasesEverything() {
        ObjectNode svc = create("web", "{'type':'NodePort','clusterIP':'10.96.0.20','ports':[{'port':80,'nodePort':30200}]}");
        ObjectNode asClusterIp = svc.deepCopy();
        ((ObjectNode) asClusterIp.at("/spec")).put("type", "ClusterIP");
        ObjectNode updated = sandbox.update(ResourceCatalog.SERVICE, svc, asClusterIp);
        assertThat(updated.at("/spec/ports/0").has("nodePort")).as("dropped: the old type needed it, the user left it").isFalse();
        assertThat(updated.at("/spec").has("externalTrafficPolicy")).isFalse();
        create("taker", "{'type':'NodePort','ports':[{'port':80,'nodePort':30200}]}");

        sandbox.delete(ResourceCatalog.SERVICE, "default", "web");
        assertThat(create("again", "{'clusterIP':'10.96.0.20','ports':[{'port':80}]}").at("/spec/clusterIP").asString())
                .isEqualTo("10.96.0.20");
    }

    @Test
    void turningIntoAnExternalNameDropsTheClusterIpAndFreesIt() {
        ObjectNode svc = create("web", "{'clusterIP':'10.96.0.21','ports':[{'port':80}]}");
        ObjectNode external = svc.deepCopy();
        ((ObjectNode) external.at("/spec")).put("type", "ExternalName").put("externalName", "example.com");
        ObjectNode updated = sandbox.update(ResourceCatalog.SERVICE, svc, external);
        assertThat(updated.at("/spec").has("clusterIP")).isFalse();
        assertThat(updated.at("/spec").has("ipFamilies")).isFalse();
        assertThat(create("next", "{'clusterIP':'10.96.0.21','ports':[{'port':80}]}").at("/spec/clusterIP").asString())
                .isEqualTo("10.96.0.21");
    }

    @Test
    void servicesStoredWithoutAdmissionStillHoldTheirValues() {
        sandbox.store.create(ResourceCatalog.SERVICE, service("raw", "{'clusterIP':'10.96.0.30','type':'NodePort',"
                + "'ports':[{'port':80,'nodePort':30300}]}"));
        assertThatThrownBy(() -> create("a", "{'clusterIP':'10.96.0.30','ports':[{'port':80}]}"))
                .hasMessageContaining("provided IP is already allocated");
        assertThatThrownBy(() -> create("b", "{'type':'NodePort','ports':[{'port':80,'nodePort':30300}]}"))
                .hasMessageContaining("provided port is already allocated");
    }

    @Test
    void concurrentAdmitsNeverShareAnIpOrPort() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<ObjectNode>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String name = "s" + i;
                futures.add(pool.submit(() -> sandbox.create(ResourceCatalog.SERVICE,
                        service(name, "{'type':'NodePort','ports':[{'name':'a','port':80},{'name':'b','port':81}]}"))));
            }
            Set<String> ips = new HashSet<>();
            Set<Integer> ports = new HashSet<>();
            for (Future<ObjectNode> f : futures) {
                ObjectNode svc = f.get();
                assertThat(ips.add(svc.at("/spec/clusterIP").asString())).isTrue();
                assertThat(ports.add(svc.at("/spec/ports/0/nodePort").asInt())).isTrue();
                assertThat(ports.add(svc.at("/spec/ports/1/nodePort").asInt())).isTrue();
            }
            assertThat(ips).hasSize(200);
            assertThat(ports).hasSize(400);
        } finally {
            pool.shutdownNow();
        }
    }
}

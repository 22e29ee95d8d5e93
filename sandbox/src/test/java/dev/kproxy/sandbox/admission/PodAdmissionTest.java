package dev.kproxy.sandbox.admission;

import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.ObjectNode;

class PodAdmissionTest {
    private final Sandbox sandbox = new Sandbox();

    @AfterEach
    void close() {
        sandbox.close();
    }

    @Test
    void podsAreBoundToTheSandboxNodeUnlessTheyNameOne() {
        ObjectNode unbound = sandbox.create(ResourceCatalog.POD, object("{'metadata':{'name':'a','namespace':'default'},"
                + "'spec':{'containers':[{'name':'c','image':'i'}]}}"));
        ObjectNode pinned = sandbox.create(ResourceCatalog.POD, object("{'metadata':{'name':'b','namespace':'default'},"
                + "'spec':{'nodeName':'elsewhere','containers':[{'name':'c','image':'i'}]}}"));
        assertThat(unbound.at("/spec/nodeName").asString()).isEqualTo(Admission.NODE_NAME);
        assertThat(pinned.at("/spec/nodeName").asString()).isEqualTo("elsewhere");
    }

    @Test
    void statusSetByAControllerSurvivesUpdates() {
        ObjectNode pod = sandbox.create(ResourceCatalog.POD, object("{'metadata':{'name':'a','namespace':'default'},"
                + "'spec':{'containers':[{'name':'c','image':'i','resources':{'requests':{'cpu':'100m'}}}]}}"));
        assertThat(pod.at("/status/qosClass").asString()).isEqualTo("Burstable");
        ObjectNode running = pod.deepCopy();
        ((ObjectNode) running.get("status")).put("phase", "Running").put("podIP", "127.0.0.2");
        ObjectNode stored = sandbox.update(ResourceCatalog.POD, pod, running);
        assertThat(stored.at("/status/phase").asString()).isEqualTo("Running");
        assertThat(stored.at("/status/podIP").asString()).isEqualTo("127.0.0.2");
    }
}

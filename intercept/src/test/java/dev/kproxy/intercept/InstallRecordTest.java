package dev.kproxy.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class InstallRecordTest {
    private static ObjectNode json(String text) {
        return (ObjectNode) ClusterObjects.JSON.readTree(text.replace('\'', '"'));
    }

    @Test
    void marksGoOnWithTheExactOriginalAndComeOffLeavingNoEmptyMaps() {
        ObjectNode original = json("{'containers':[{'name':'app','image':'x'}]}");
        InstallRecord record = InstallRecord.forWorkload(original, json("{'service':'s'}"));
        ObjectNode bare = json("{'kind':'Deployment','metadata':{'name':'d','namespace':'n'}}");
        ObjectNode labelled = json("{'kind':'Deployment','metadata':{'name':'d','namespace':'n','labels':{'app':'d'}}}");

        ArrayNode onBare = ClusterObjects.JSON.createArrayNode();
        record.addMarks(onBare, bare);
        ArrayNode onLabelled = ClusterObjects.JSON.createArrayNode();
        record.addMarks(onLabelled, labelled);

        assertThat(onBare.toString()).isEqualTo("[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"kproxy.dev/original\":"
                + ClusterObjects.JSON.writeValueAsString(record.text()) + "}},"
                + "{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"kproxy.dev/intercepted\":\"true\"}}]");
        assertThat(onLabelled.get(1).toString())
                .isEqualTo("{\"op\":\"add\",\"path\":\"/metadata/labels/kproxy.dev~1intercepted\",\"value\":\"true\"}");

        ObjectNode marked = json("{'kind':'Deployment','metadata':{'name':'d','namespace':'n','labels':{'app':'d',"
                + "'kproxy.dev/intercepted':'true'},'annotations':{}}}");
        ((ObjectNode) marked.at("/metadata/annotations")).put(InstallRecord.ANNOTATION, record.text());
        assertThat(InstallRecord.read(marked).orElseThrow().templateSpec()).isEqualTo(original);
        ArrayNode off = ClusterObjects.JSON.createArrayNode();
        InstallRecord.removeMarks(off, marked);
        assertThat(off.toString()).isEqualTo("[{\"op\":\"remove\",\"path\":\"/metadata/annotations\"},"
                + "{\"op\":\"remove\",\"path\":\"/metadata/labels/kproxy.dev~1intercepted\"}]");
    }

    @Test
    void aRecordOfAnotherVersionIsRefused() {
        ObjectNode object = json("{'kind':'Service','metadata':{'name':'s','namespace':'n','annotations':"
                + "{'kproxy.dev/original':'{\\'version\\':2}'}}}".replace("\\'", "\\\""));
        assertThatThrownBy(() -> InstallRecord.read(object))
                .hasMessage("service n/s was changed by a kproxy with install record version 2; this kproxy reads version 1:"
                        + " uninstall with the kproxy that installed it");
        assertThat(InstallRecord.read(json("{'metadata':{'name':'s'}}"))).isEmpty();
    }
}

package dev.kproxy.sandbox.patch;

import static dev.kproxy.sandbox.patch.Json.node;
import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.node.ObjectNode;

class StrategicMergePatchTest {

    private static final ObjectNode DEPLOYMENT = object("{'apiVersion':'apps/v1','kind':'Deployment',"
            + "'metadata':{'name':'web','namespace':'default'},"
            + "'spec':{'replicas':1,'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':["
            + "{'name':'app','image':'web:1','env':[{'name':'A','value':'1'},{'name':'B','value':'2'},{'name':'C','value':'3'}],"
            + "'ports':[{'containerPort':8080,'protocol':'TCP'}]}]}}}}");

    private static ObjectNode patch(ResourceType type, ObjectNode target, String patch) {
        return Patcher.apply(PatchType.STRATEGIC, type, target, node(patch));
    }

    private static ObjectNode patchDeployment(String patch) {
        return patch(ResourceCatalog.DEPLOYMENT, DEPLOYMENT, patch);
    }

    @Test
    void addingASidecarToADeploymentKeepsTheExistingContainer() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'agent','image':'kproxy-agent:1'}]}}}}");
        // patch.go mergeSortedSlice: an item the live list does not have goes before the server-only
        // items, so a bare patch puts the sidecar first, as `kubectl patch` does on a real cluster.
        assertThat(out.at("/spec/template/spec/containers")).isEqualTo(node("[{'name':'agent','image':'kproxy-agent:1'},"
                + DEPLOYMENT.at("/spec/template/spec/containers/0") + "]"));
        assertThat(DEPLOYMENT.at("/spec/template/spec/containers").size()).as("target untouched").isEqualTo(1);
    }

    @Test
    void sidecarGoesLastWhenThePatchCarriesSetElementOrderAsKubectlApplySends() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'app'},{'name':'agent'}],"
                + "'containers':[{'name':'agent','image':'kproxy-agent:1'}]}}}}");
        assertThat(out.at("/spec/template/spec/containers")).isEqualTo(node("["
                + DEPLOYMENT.at("/spec/template/spec/containers/0") + ",{'name':'agent','image':'kproxy-agent:1'}]"));
    }

    @Test
    void patchingOneEnvVarByNameKeepsTheOthers() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'app','env':[{'name':'B','value':'two'}]}]}}}}");
        assertThat(out.at("/spec/template/spec/containers/0/env"))
                .isEqualTo(node("[{'name':'A','value':'1'},{'name':'B','value':'two'},{'name':'C','value':'3'}]"));
        assertThat(out.at("/spec/template/spec/containers/0/image").asString()).isEqualTo("web:1");
    }

    @Test
    void patchDeleteDirectiveRemovesAContainer() {
        ObjectNode withSidecar = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'agent','image':'a:1'}]}}}}");
        ObjectNode out = patch(ResourceCatalog.DEPLOYMENT, withSidecar,
                "{'spec':{'template':{'spec':{'containers':[{'name':'agent','$patch':'delete'}]}}}}");
        assertThat(out).isEqualTo(DEPLOYMENT);
    }

    @Test
    void servicePortsMergeByPort() {
        ObjectNode svc = object("{'spec':{'selector':{'app':'web'},'ports':["
                + "{'name':'http','port':80,'targetPort':8080,'protocol':'TCP'},{'name':'grpc','port':9090,'protocol':'TCP'}]}}");
        ObjectNode out = patch(ResourceCatalog.SERVICE, svc,
                "{'spec':{'ports':[{'port':80,'targetPort':9999},{'name':'metrics','port':9100}]}}");
        assertThat(out.at("/spec/ports")).isEqualTo(node("[{'name':'http','port':80,'targetPort':9999,'protocol':'TCP'},"
                + "{'name':'metrics','port':9100},{'name':'grpc','port':9090,'protocol':'TCP'}]"));
    }

    @Test
    void podContainersPortsAndVolumeMountsMergeByTheirKeys() {
        ObjectNode pod = object("{'spec':{'containers':[{'name':'c','image':'i','ports':[{'containerPort':80}],"
                + "'volumeMounts':[{'mountPath':'/a','name':'va'}]}],'volumes':[{'name':'va','emptyDir':{}}]}}");
        ObjectNode out = patch(ResourceCatalog.POD, pod, "{'spec':{'containers':[{'name':'c','ports':[{'containerPort':81}],"
                + "'volumeMounts':[{'mountPath':'/a','readOnly':true}]}],'volumes':[{'name':'vb','emptyDir':{}}]}}");
        assertThat(out).isEqualTo(object("{'spec':{'containers':[{'name':'c','image':'i',"
                + "'ports':[{'containerPort':81},{'containerPort':80}],'volumeMounts':[{'mountPath':'/a','name':'va','readOnly':true}]}],"
                + "'volumes':[{'name':'vb','emptyDir':{}},{'name':'va','emptyDir':{}}]}}"));
    }

    @Test
    void listsWithoutAMergeKeyAreReplaced() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'app','args':['--b']}]}}}}");
        ObjectNode again = patch(ResourceCatalog.DEPLOYMENT, out,
                "{'spec':{'template':{'spec':{'containers':[{'name':'app','args':['--c']}],'tolerations':[{'key':'k'}]}}}}");
        assertThat(again.at("/spec/template/spec/containers/0/args")).isEqualTo(node("['--c']"));
        assertThat(again.at("/spec/template/spec/tolerations")).isEqualTo(node("[{'key':'k'}]"));
    }

    @Test
    void nullDeletesAndMapsMerge() {
        ObjectNode out = patchDeployment("{'metadata':{'labels':{'team':'x'}},'spec':{'replicas':null,"
                + "'template':{'metadata':{'labels':{'version':'2'}}}}}");
        assertThat(out.at("/spec").has("replicas")).isFalse();
        assertThat(out.at("/spec/template/metadata/labels")).isEqualTo(node("{'app':'web','version':'2'}"));
        assertThat(out.at("/metadata/labels")).isEqualTo(node("{'team':'x'}"));
    }

    @Test
    void patchReplaceOnAListReplacesItAndDirectivesNeverReachTheObject() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':["
                + "{'name':'only','image':'o:1'},{'$patch':'replace'}]}}}}");
        assertThat(out.at("/spec/template/spec/containers")).isEqualTo(node("[{'name':'only','image':'o:1'}]"));
    }

    @Test
    void patchReplaceOnAMapReplacesIt() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'metadata':{'labels':{'$patch':'replace','tier':'x'}}}}}");
        assertThat(out.at("/spec/template/metadata/labels")).isEqualTo(node("{'tier':'x'}"));
    }

    @Test
    void patchDeleteOnAMapEmptiesIt() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'metadata':{'labels':{'$patch':'delete'}}}}}");
        assertThat(out.at("/spec/template/metadata/labels")).isEqualTo(node("{}"));
    }

    @Test
    void setElementOrderOrdersTheMergedList() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'app',"
                + "'$setElementOrder/env':[{'name':'C'},{'name':'D'},{'name':'A'},{'name':'B'}],"
                + "'env':[{'name':'D','value':'4'}]}]}}}}");
        assertThat(out.at("/spec/template/spec/containers/0/env")).isEqualTo(node(
                "[{'name':'C','value':'3'},{'name':'D','value':'4'},{'name':'A','value':'1'},{'name':'B','value':'2'}]"));
    }

    @Test
    void setElementOrderAloneReordersWithoutChangingItems() {
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'app',"
                + "'$setElementOrder/env':[{'name':'B'},{'name':'A'},{'name':'C'}]}]}}}}");
        assertThat(out.at("/spec/template/spec/containers/0/env")).isEqualTo(node(
                "[{'name':'B','value':'2'},{'name':'A','value':'1'},{'name':'C','value':'3'}]"));
    }

    @Test
    void newPatchItemsLandAfterTheServerItemsTheyFollowInThePatch() {
        // mergeSortedSlice: server-only items keep their place relative to patched items.
        ObjectNode out = patchDeployment("{'spec':{'template':{'spec':{'containers':[{'name':'app',"
                + "'env':[{'name':'B','value':'b'},{'name':'Z','value':'z'}]}]}}}}");
        assertThat(out.at("/spec/template/spec/containers/0/env")).isEqualTo(node(
                "[{'name':'A','value':'1'},{'name':'B','value':'b'},{'name':'Z','value':'z'},{'name':'C','value':'3'}]"));
    }

    @Test
    void finalizersMergeAsASetAndDeleteFromPrimitiveListRemoves() {
        ObjectNode cm = object("{'metadata':{'name':'x','finalizers':['a','b']}}");
        ObjectNode added = patch(ResourceCatalog.CONFIG_MAP, cm, "{'metadata':{'finalizers':['b','c']}}");
        assertThat(added.at("/metadata/finalizers")).isEqualTo(node("['a','b','c']"));
        ObjectNode removed = patch(ResourceCatalog.CONFIG_MAP, added, "{'metadata':{'$deleteFromPrimitiveList/finalizers':['a','c']}}");
        assertThat(removed.at("/metadata/finalizers")).isEqualTo(node("['b']"));
    }

    @Test
    void ownerReferencesMergeByUid() {
        ObjectNode rs = object("{'metadata':{'ownerReferences':[{'uid':'1','name':'a','controller':true}]}}");
        ObjectNode out = patch(ResourceCatalog.REPLICA_SET, rs,
                "{'metadata':{'ownerReferences':[{'uid':'1','blockOwnerDeletion':true},{'uid':'2','name':'b'}]}}");
        assertThat(out.at("/metadata/ownerReferences")).isEqualTo(node(
                "[{'uid':'1','name':'a','controller':true,'blockOwnerDeletion':true},{'uid':'2','name':'b'}]"));
    }

    @Test
    void statusConditionsMergeByType() {
        ObjectNode pod = object("{'status':{'conditions':[{'type':'Ready','status':'False'},{'type':'Initialized','status':'True'}]}}");
        ObjectNode out = patch(ResourceCatalog.POD, pod, "{'status':{'conditions':[{'type':'Ready','status':'True'}]}}");
        assertThat(out.at("/status/conditions")).isEqualTo(node(
                "[{'type':'Ready','status':'True'},{'type':'Initialized','status':'True'}]"));
    }

    @Test
    void retainKeysClearsUnlistedFieldsAsKubectlDoesForDeploymentStrategy() {
        ObjectNode d = object("{'spec':{'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':'25%'}}}}");
        ObjectNode out = patch(ResourceCatalog.DEPLOYMENT, d,
                "{'spec':{'strategy':{'$retainKeys':['type'],'type':'Recreate'}}}");
        assertThat(out.at("/spec/strategy")).isEqualTo(node("{'type':'Recreate'}"));
        assertThatThrownBy(() -> patch(ResourceCatalog.DEPLOYMENT, d,
                "{'spec':{'strategy':{'$retainKeys':['type'],'rollingUpdate':{}}}}"))
                .isInstanceOf(StoreException.class).hasMessageContaining("missing from $retainKeys");
    }

    @Test
    void mergeKeyedItemsWithoutTheirKeyAreInvalid() {
        assertThatThrownBy(() -> patchDeployment("{'spec':{'template':{'spec':{'containers':[{'image':'x'}]}}}}"))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID))
                .hasMessageContaining("does not contain declared merge key: name");
        assertThatThrownBy(() -> patchDeployment("{'spec':{'$patch':'explode'}}"))
                .isInstanceOf(StoreException.class).hasMessageContaining("unknown patch type");
    }

    @Test
    void directivesInsideNewValuesAreAppliedNotStored() {
        ObjectNode pod = object("{'spec':{}}");
        ObjectNode out = patch(ResourceCatalog.POD, pod, "{'spec':{'containers':[{'name':'a','image':'i'},"
                + "{'name':'gone','$patch':'delete'}],'nodeSelector':{'$patch':'replace','disk':'ssd','x':null}}}");
        assertThat(out).isEqualTo(object("{'spec':{'containers':[{'name':'a','image':'i'}],'nodeSelector':{'disk':'ssd'}}}"));
    }
}

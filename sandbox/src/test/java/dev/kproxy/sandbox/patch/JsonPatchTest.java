package dev.kproxy.sandbox.patch;

import static dev.kproxy.sandbox.patch.Json.node;
import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.node.ObjectNode;

class JsonPatchTest {

    private static ObjectNode patch(ObjectNode target, String ops) {
        return Patcher.apply(PatchType.JSON, ResourceCatalog.CONFIG_MAP, target, node(ops));
    }

    @Test
    void rfc6902AppendixA1AddsAnObjectMember() {
        assertThat(patch(object("{'foo':'bar'}"), "[{'op':'add','path':'/baz','value':'qux'}]"))
                .isEqualTo(object("{'baz':'qux','foo':'bar'}"));
    }

    @Test
    void addInsertsIntoArraysByIndexAndDashAppends() {
        ObjectNode doc = object("{'foo':['bar','baz']}");
        assertThat(patch(doc, "[{'op':'add','path':'/foo/1','value':'qux'},{'op':'add','path':'/foo/-','value':'end'}]"))
                .isEqualTo(object("{'foo':['bar','qux','baz','end']}"));
    }

    @Test
    void removeReplaceMoveCopy() {
        ObjectNode doc = object("{'a':{'b':1,'c':[1,2,3]},'d':'x'}");
        ObjectNode out = patch(doc, "[{'op':'remove','path':'/a/c/0'},"
                + "{'op':'replace','path':'/d','value':'y'},"
                + "{'op':'move','from':'/a/b','path':'/moved'},"
                + "{'op':'copy','from':'/a/c','path':'/copied'}]");
        assertThat(out).isEqualTo(object("{'a':{'c':[2,3]},'d':'y','moved':1,'copied':[2,3]}"));
        assertThat(doc).as("target untouched").isEqualTo(object("{'a':{'b':1,'c':[1,2,3]},'d':'x'}"));
    }

    @Test
    void pointerEscapesDecodeTildeOneBeforeTildeZero() {
        ObjectNode labels = object("{'metadata':{'labels':{'app.kubernetes.io/name':'web','a~b':'1'}}}");
        ObjectNode out = patch(labels, "[{'op':'replace','path':'/metadata/labels/app.kubernetes.io~1name','value':'api'},"
                + "{'op':'test','path':'/metadata/labels/a~0b','value':'1'}]");
        assertThat(out.at("/metadata/labels").get("app.kubernetes.io/name").asString()).isEqualTo("api");
    }

    @Test
    void failingTestRejectsTheWholePatchWithAReadableMessage() {
        ObjectNode doc = object("{'spec':{'replicas':2}}");
        assertThatThrownBy(() -> patch(doc, "[{'op':'replace','path':'/spec/replicas','value':5},"
                + "{'op':'test','path':'/spec/replicas','value':3}]"))
                .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.reason()).isEqualTo(StoreException.Reason.INVALID))
                .hasMessage("test operation failed: value at \"/spec/replicas\" is 5, not 3");
        assertThat(doc.at("/spec/replicas").asInt()).isEqualTo(2);
    }

    @Test
    void testComparesNumbersByValue() {
        assertThat(patch(object("{'n':1}"), "[{'op':'test','path':'/n','value':1.0}]")).isEqualTo(object("{'n':1}"));
    }

    @Test
    void badPathsAreInvalid() {
        ObjectNode doc = object("{'a':[1]}");
        assertThatThrownBy(() -> patch(doc, "[{'op':'remove','path':'/nope'}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("\"/nope\" does not exist");
        assertThatThrownBy(() -> patch(doc, "[{'op':'add','path':'/a/5','value':1}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("out of bounds");
        assertThatThrownBy(() -> patch(doc, "[{'op':'add','path':'/a/01','value':1}]"))
                .isInstanceOf(StoreException.class);
        assertThatThrownBy(() -> patch(doc, "[{'op':'add','path':'a','value':1}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("must be empty or start with '/'");
        assertThatThrownBy(() -> patch(doc, "[{'op':'move','from':'/a','path':'/a/0'}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("may not be a parent");
        assertThatThrownBy(() -> patch(doc, "[{'op':'frob','path':'/a'}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("unsupported op \"frob\"");
        assertThatThrownBy(() -> patch(doc, "{'op':'add'}"))
                .isInstanceOf(StoreException.class).hasMessageContaining("must be an array");
        assertThatThrownBy(() -> patch(doc, "[{'op':'add','path':'/x'}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("missing \"value\"");
    }

    @Test
    void replacingTheRootWithANonObjectIsInvalid() {
        assertThatThrownBy(() -> patch(object("{'a':1}"), "[{'op':'replace','path':'','value':[1]}]"))
                .isInstanceOf(StoreException.class).hasMessageContaining("not an object");
    }
}

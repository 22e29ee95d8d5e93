package dev.kproxy.sandbox.patch;

import static dev.kproxy.sandbox.patch.Json.node;
import static dev.kproxy.sandbox.patch.Json.object;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;

class MergePatchTest {

    @Test
    void rfc7386AppendixAExample() {
        var target = object("{'title':'Goodbye!','author':{'givenName':'John','familyName':'Doe'},"
                + "'tags':['example','sample'],'content':'This will be unchanged'}");
        var patch = node("{'title':'Hello!','phoneNumber':'+01-123-456-7890','author':{'familyName':null},'tags':['example']}");
        assertThat(Patcher.apply(PatchType.MERGE, ResourceCatalog.CONFIG_MAP, target, patch))
                .isEqualTo(object("{'title':'Hello!','author':{'givenName':'John'},'tags':['example'],"
                        + "'content':'This will be unchanged','phoneNumber':'+01-123-456-7890'}"));
    }

    @Test
    void listsAreReplacedEvenWhereStrategicMergeWouldMerge() {
        var deployment = object("{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'x'}]}}}}");
        var patch = node("{'spec':{'template':{'spec':{'containers':[{'name':'b','image':'y'}]}}}}");
        assertThat(Patcher.apply(PatchType.MERGE, ResourceCatalog.DEPLOYMENT, deployment, patch)
                .at("/spec/template/spec/containers")).isEqualTo(node("[{'name':'b','image':'y'}]"));
    }

    @Test
    void nullForAnAbsentKeyAddsNothing() {
        assertThat(Patcher.apply(PatchType.MERGE, ResourceCatalog.CONFIG_MAP, object("{'a':1}"), node("{'b':{'c':null}}")))
                .isEqualTo(object("{'a':1,'b':{}}"));
    }
}

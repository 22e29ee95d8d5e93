package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

class SelectorTest {
    static final Map<String, String> SAGE = Map.of("app", "sage", "tier", "web");

    @Test
    void labelSelectorOperators() {
        assertThat(LabelSelector.parse("app=sage").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("app==sage,tier=web").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("app!=sage").test(SAGE)).isFalse();
        assertThat(LabelSelector.parse("missing!=x").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("tier in (db, web)").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("tier notin (db,web)").test(SAGE)).isFalse();
        assertThat(LabelSelector.parse("missing notin (a)").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("missing in (a)").test(SAGE)).isFalse();
        assertThat(LabelSelector.parse("app").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("!app").test(SAGE)).isFalse();
        assertThat(LabelSelector.parse("!other, app in (sage),tier").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("").test(SAGE)).isTrue();
        assertThat(LabelSelector.parse("example.com/team=a").test(Map.of("example.com/team", "a"))).isTrue();
    }

    @Test
    void malformedLabelSelectorIsBadRequest() {
        assertThatThrownBy(() -> LabelSelector.parse("tier in (a"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
        assertThatThrownBy(() -> LabelSelector.parse("=x"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void fieldSelectorOnDottedPaths() {
        JsonNode pod = SandboxApiFixture.JSON.readTree("""
                {"metadata":{"name":"p","namespace":"n"},"spec":{"nodeName":"node-1"},"status":{"phase":"Running"}}""");
        assertThat(FieldSelector.parse("metadata.name=p").test(pod)).isTrue();
        assertThat(FieldSelector.parse("metadata.name==q").test(pod)).isFalse();
        assertThat(FieldSelector.parse("status.phase!=Pending,metadata.namespace=n").test(pod)).isTrue();
        assertThat(FieldSelector.parse("spec.nodeName=node-1").test(pod)).isTrue();
        assertThat(FieldSelector.parse("spec.missing=").test(pod)).isTrue();
        assertThatThrownBy(() -> FieldSelector.parse("metadata.name"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(400));
    }
}

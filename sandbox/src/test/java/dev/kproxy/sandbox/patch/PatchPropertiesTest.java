package dev.kproxy.sandbox.patch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

class PatchPropertiesTest {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Provide
    Arbitrary<ObjectNode> objects() {
        return objectsOfDepth(3);
    }

    private Arbitrary<ObjectNode> objectsOfDepth(int depth) {
        Arbitrary<JsonNode> scalar = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(6).map(NODES::stringNode),
                Arbitraries.integers().map(NODES::numberNode),
                Arbitraries.of(true, false).map(NODES::booleanNode));
        Arbitrary<JsonNode> value = depth == 0 ? scalar : Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, scalar),
                net.jqwik.api.Tuple.of(1, Arbitraries.lazy(() -> objectsOfDepth(depth - 1)).map(o -> (JsonNode) o)),
                net.jqwik.api.Tuple.of(1, scalar.list().ofMaxSize(3).map(l -> (JsonNode) NODES.arrayNode().addAll(l))));
        Arbitrary<String> keys = Arbitraries.strings().withChars("ab/~c$").ofMinLength(1).ofMaxLength(4)
                .filter(k -> !k.startsWith("$"));
        return Arbitraries.maps(keys, value).ofMaxSize(4).map(m -> {
            ObjectNode o = NODES.objectNode();
            for (Map.Entry<String, JsonNode> e : m.entrySet()) {
                o.set(e.getKey(), e.getValue());
            }
            return o;
        });
    }

    @Property(tries = 300)
    void mergePatchOfAnObjectWithItselfIsIdentity(@ForAll("objects") ObjectNode o) {
        assertThat(Patcher.apply(PatchType.MERGE, ResourceCatalog.CONFIG_MAP, o, o)).isEqualTo(o);
    }

    @Property(tries = 300)
    void strategicPatchOfAnObjectWithItselfIsIdentity(@ForAll("objects") ObjectNode o) {
        assertThat(Patcher.apply(PatchType.STRATEGIC, ResourceCatalog.CONFIG_MAP, o, o)).isEqualTo(o);
    }

    @Property(tries = 300)
    void jsonPatchAddThenRemoveRoundTrips(@ForAll("objects") ObjectNode o, @ForAll("objects") ObjectNode value) {
        // "/new~1key~0" names the member "new/key~", absent from every generated object (keys are at most 4 chars).
        JsonNode ops = NODES.arrayNode()
                .add(NODES.objectNode().put("op", "add").put("path", "/new~1key~0").set("value", value))
                .add(NODES.objectNode().put("op", "test").put("path", "/new~1key~0").set("value", value))
                .add(NODES.objectNode().put("op", "remove").put("path", "/new~1key~0"));
        assertThat(Patcher.apply(PatchType.JSON, ResourceCatalog.CONFIG_MAP, o, ops)).isEqualTo(o);
    }

    @Property(tries = 300)
    void strategicMergeEqualsMergePatchWhereNoListHasAMergeKey(@ForAll("objects") ObjectNode a, @ForAll("objects") ObjectNode b) {
        // ConfigMap fields other than metadata carry no patch strategy, and generated keys are never
        // "metadata", so the two algorithms must agree on every pair of objects.
        assertThat(Patcher.apply(PatchType.STRATEGIC, ResourceCatalog.CONFIG_MAP, a, b))
                .isEqualTo(Patcher.apply(PatchType.MERGE, ResourceCatalog.CONFIG_MAP, a, b));
    }
}

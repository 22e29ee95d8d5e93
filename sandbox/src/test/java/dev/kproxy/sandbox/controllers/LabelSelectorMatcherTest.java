package dev.kproxy.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

class LabelSelectorMatcherTest {
    private static final JsonNode LABELS = SandboxUnderTest.parse("{\"app\": \"web\", \"tier\": \"front\"}");

    private static boolean matches(String selector) {
        return LabelSelectorMatcher.matches(SandboxUnderTest.parse(selector), LABELS);
    }

    @Test
    void matchLabelsAndEveryOperator() {
        assertThat(matches("{\"matchLabels\": {\"app\": \"web\"}}")).isTrue();
        assertThat(matches("{\"matchLabels\": {\"app\": \"db\"}}")).isFalse();
        assertThat(matches("{\"matchExpressions\": [{\"key\": \"tier\", \"operator\": \"In\", \"values\": [\"front\", \"back\"]}]}")).isTrue();
        assertThat(matches("{\"matchExpressions\": [{\"key\": \"tier\", \"operator\": \"NotIn\", \"values\": [\"front\"]}]}")).isFalse();
        assertThat(matches("{\"matchExpressions\": [{\"key\": \"zone\", \"operator\": \"NotIn\", \"values\": [\"a\"]}]}")).isTrue();
        assertThat(matches("{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"Exists\"}]}")).isTrue();
        assertThat(matches("{\"matchExpressions\": [{\"key\": \"app\", \"operator\": \"DoesNotExist\"}]}")).isFalse();
        assertThat(matches("{\"matchLabels\": {\"app\": \"web\"}, "
                + "\"matchExpressions\": [{\"key\": \"tier\", \"operator\": \"In\", \"values\": [\"back\"]}]}")).isFalse();
    }

    @Test
    void emptySelectorMatchesEverythingAndAMissingOneNothing() {
        assertThat(matches("{}")).isTrue();
        assertThat(LabelSelectorMatcher.matches(MissingNode.getInstance(), LABELS)).isFalse();
    }
}

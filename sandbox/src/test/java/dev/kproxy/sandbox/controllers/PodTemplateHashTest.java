package dev.kproxy.sandbox.controllers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PodTemplateHashTest {

    @Test
    void hashIgnoresFieldOrderButNotContentAndHasNoVowels() {
        String a = PodTemplateHash.of(SandboxUnderTest.parse("{\"metadata\": {\"labels\": {\"a\": \"1\"}}, \"spec\": {\"x\": 1}}"), 0);
        String sameReordered = PodTemplateHash.of(SandboxUnderTest.parse("{\"spec\": {\"x\": 1}, \"metadata\": {\"labels\": {\"a\": \"1\"}}}"), 0);
        String changed = PodTemplateHash.of(SandboxUnderTest.parse("{\"metadata\": {\"labels\": {\"a\": \"1\"}}, \"spec\": {\"x\": 2}}"), 0);
        String collided = PodTemplateHash.of(SandboxUnderTest.parse("{\"metadata\": {\"labels\": {\"a\": \"1\"}}, \"spec\": {\"x\": 1}}"), 1);

        assertThat(a).isEqualTo(sameReordered).isNotEqualTo(changed).isNotEqualTo(collided).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
    }
}

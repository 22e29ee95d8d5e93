package dev.kproxy.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Cases from third_party/forked/golang/expansion/expand_test.go. */
class EnvVarExpansionTest {
    private static final Map<String, String> VARS = Map.of("VAR_A", "A", "VAR_B", "B", "VAR_C", "C", "VAR_EMPTY", "");

    private static String expand(String s) {
        return EnvVarExpansion.expand(s, VARS::get);
    }

    @Test
    void expandsKnownAndKeepsUnknownReferences() {
        assertThat(expand("$(VAR_A)")).isEqualTo("A");
        assertThat(expand("___$(VAR_B)___")).isEqualTo("___B___");
        assertThat(expand("$(VAR_A)-$(VAR_B)-$(VAR_C)")).isEqualTo("A-B-C");
        assertThat(expand("$(VAR_EMPTY)")).isEmpty();
        assertThat(expand("$(VAR_DNE)")).isEqualTo("$(VAR_DNE)");
        assertThat(expand("foo$(VAR_A)bar$(VAR_DNE)")).isEqualTo("fooAbar$(VAR_DNE)");
    }

    @Test
    void dollarDollarEscapesAndLoneDollarsStay() {
        assertThat(expand("$$(VAR_A)")).isEqualTo("$(VAR_A)");
        assertThat(expand("$$$(VAR_A)")).isEqualTo("$A");
        assertThat(expand("$$$$(VAR_A)")).isEqualTo("$$(VAR_A)");
        assertThat(expand("$$")).isEqualTo("$");
        assertThat(expand("f00__(VAR_A)__")).isEqualTo("f00__(VAR_A)__");
        assertThat(expand("$VAR_A")).isEqualTo("$VAR_A");
        assertThat(expand("$(VAR_A")).isEqualTo("$(VAR_A");
        assertThat(expand("$")).isEqualTo("$");
        assertThat(expand("test$")).isEqualTo("test$");
        assertThat(expand("$()")).isEqualTo("$()");
    }
}

package dev.kproxy.launcher.intercept;

import dev.kproxy.launcher.UserError;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The three --env-file syntaxes, checked by what reads them: bash sources the sh file, docker's rules for the other. */
class EnvFileTest {
    private static final Map<String, String> ENV = new LinkedHashMap<>();

    static {
        ENV.put("PLAIN", "hello");
        ENV.put("QUOTES", "it's \"quoted\" $HOME `date` \\n");
        ENV.put("EMPTY", "");
    }

    @Test
    void bashSourcingTheShFileSeesEveryValueByteForByte() throws Exception {
        Path file = Files.createTempFile("env", ".sh");
        try {
            Files.writeString(file, EnvFile.SH.render(ENV));
            Process bash = new ProcessBuilder("bash", "-c", "source \"$1\" && printf '%s|%s|%s' \"$PLAIN\" \"$QUOTES\" \"$EMPTY\"", "-",
                    file.toString()).start();
            String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out).isEqualTo("hello|it's \"quoted\" $HOME `date` \\n|");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void dockerSyntaxIsOneUnquotedLinePerVariableAndRefusesNewlines() {
        assertThat(EnvFile.DOCKER.render(ENV).lines().toList())
                .isEqualTo(List.of("PLAIN=hello", "QUOTES=it's \"quoted\" $HOME `date` \\n", "EMPTY="));
        assertThatThrownBy(() -> EnvFile.DOCKER.render(Map.of("CERT", "line1\nline2"))).isInstanceOf(UserError.class)
                .hasMessage("the value of CERT spans lines, which a docker env file cannot hold: use --env-syntax sh or json");
    }

    @Test
    void jsonAndUnknownSyntax() throws IOException {
        assertThat(EnvFile.JSON.render(Map.of("A", "1"))).isEqualToIgnoringWhitespace("{\"A\":\"1\"}");
        assertThatThrownBy(() -> EnvFile.of("yaml")).hasMessage("--env-syntax yaml is not one of sh, docker, json");
    }

    @Test
    void dollarParenReferencesExpandLikeTheKubelet() {
        Map<String, String> earlier = Map.of("A", "x");
        assertThat(ContainerEnvironment.expand("$(A)-$(B)-$$(A)-$", earlier)).isEqualTo("x-$(B)-$(A)-$");
    }
}

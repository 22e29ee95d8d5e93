package dev.kproxy.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.manifest.ManifestException;
import dev.kproxy.sandbox.store.ResourceCatalog;

/** Bad manifests get one line naming the file, the document and the problem, and nothing is half-applied. */
class ManifestApplyTest {
    @TempDir
    Path dir;
    Sandbox sandbox;

    @BeforeEach
    void start() throws IOException {
        sandbox = Sandbox.start(SandboxConfig.builder().kubeconfig(dir.resolve("kubeconfig")).workDir(dir.resolve("run")).build());
    }

    @AfterEach
    void stop() {
        sandbox.close();
    }

    private Path file(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    private static final String GOOD = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: applied}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: applied}
            data: {k: v}
            """;

    @Test
    void invalidYamlNamesFileAndDocument() throws IOException {
        Path good = file("good.yaml", GOOD);
        Path bad = file("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: [unclosed\n");
        assertThatThrownBy(() -> sandbox.apply(List.of(good, bad)))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining(bad.toString())
                .hasMessageContaining("document 2")
                .hasMessageContaining("invalid YAML");
        assertThat(sandbox.store().list(ResourceCatalog.NAMESPACE, null))
                .noneMatch(n -> n.path("metadata").path("name").asString().equals("applied"));
    }

    @Test
    void unknownKindAndMissingNameAreNamed() throws IOException {
        Path unknown = file("unknown.yaml", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
        assertThatThrownBy(() -> sandbox.apply(List.of(unknown)))
                .hasMessageContaining("unknown.yaml, document 1").hasMessageContaining("unknown kind example.com/v1/Widget");
        Path nameless = file("nameless.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: default}\n");
        assertThatThrownBy(() -> sandbox.apply(List.of(nameless)))
                .hasMessageContaining("nameless.yaml, document 1").hasMessageContaining("metadata.name is required");
    }

    @Test
    void anObjectTheApiRefusesRollsBackTheWholeApply() throws IOException {
        Path good = file("good.yaml", GOOD);
        Path invalid = file("invalid.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: broken, namespace: applied}
                spec:
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec: {containers: []}
                """);
        assertThatThrownBy(() -> sandbox.apply(List.of(good, invalid)))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("invalid.yaml, document 1")
                .hasMessageContaining("Deployment applied/broken");
        assertThat(sandbox.store().list(ResourceCatalog.NAMESPACE, null))
                .noneMatch(n -> n.path("metadata").path("name").asString().equals("applied"));
        assertThat(sandbox.store().list(ResourceCatalog.CONFIG_MAP, "applied")).isEmpty();
    }
}

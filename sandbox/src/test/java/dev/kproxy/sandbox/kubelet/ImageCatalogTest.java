package dev.kproxy.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCatalogTest {
    @TempDir
    Path dir;

    private ImageCatalog catalog(String yaml) throws Exception {
        Path f = dir.resolve("images.yaml");
        Files.writeString(f, yaml);
        return new ImageCatalog(f);
    }

    @Test
    void exactThenWithoutTagThenGlobsInFileOrder() throws Exception {
        ImageCatalog c = catalog("""
                images:
                  "ghcr.io/acme/*": {entrypoint: [glob-acme]}
                  "*": {entrypoint: [glob-any]}
                  "python": {entrypoint: [python-any]}
                  "python:3.12": {entrypoint: [python-312]}
                  "localhost:5000/tool": {entrypoint: [tool]}
                """);
        assertThat(c.resolve("python:3.12").entrypoint()).containsExactly("python-312");
        assertThat(c.resolve("python:3.11").entrypoint()).containsExactly("python-any");
        assertThat(c.resolve("python@sha256:abcd").entrypoint()).containsExactly("python-any");
        assertThat(c.resolve("localhost:5000/tool:v2").entrypoint()).containsExactly("tool");
        assertThat(c.resolve("ghcr.io/acme/sage:1.0").entrypoint()).containsExactly("glob-acme");
        assertThat(c.resolve("nginx").entrypoint()).containsExactly("glob-any");
        assertThat(c.resolve("nginx").pattern()).isEqualTo("*");
    }

    @Test
    void tagAndDigestStripping() {
        assertThat(ImageCatalog.withoutTagOrDigest("registry:5000/a/b:1.2")).isEqualTo("registry:5000/a/b");
        assertThat(ImageCatalog.withoutTagOrDigest("registry:5000/a/b")).isEqualTo("registry:5000/a/b");
        assertThat(ImageCatalog.withoutTagOrDigest("a/b:1@sha256:00")).isEqualTo("a/b");
    }

    @Test
    void entriesCarryCmdEnvWorkingDirAndAnIdThatFollowsEdits() throws Exception {
        ImageCatalog c = catalog("""
                images:
                  app:
                    entrypoint: ["${JAVA}"]
                    cmd: [-jar, app.jar]
                    env: {BIND_ADDRESS: "${POD_IP}"}
                    workingDir: /srv
                """);
        ImageEntry e = c.resolve("app:1");
        assertThat(e.cmd()).isEqualTo(List.of("-jar", "app.jar"));
        assertThat(e.env()).containsEntry("BIND_ADDRESS", "${POD_IP}");
        assertThat(e.workingDir()).isEqualTo("/srv");
        assertThat(e.id()).startsWith("sha256:");
    }

    @Test
    void problemsAreErrImagePullMessagesNamingTheFile() throws Exception {
        ImageCatalog missing = new ImageCatalog(dir.resolve("nope.yaml"));
        assertThatThrownBy(() -> missing.resolve("x:1"))
                .isInstanceOfSatisfying(ContainerWaitingException.class, e -> assertThat(e.reason()).isEqualTo("ErrImagePull"))
                .hasMessage("image \"x:1\" is not in the sandbox image catalogue " + dir.resolve("nope.yaml") + ": add an entry for it");
        ImageCatalog bad = catalog("images:\n  app: {entrypoint: just-a-string}\n");
        assertThatThrownBy(() -> bad.resolve("app"))
                .hasMessageContaining("is invalid: \"app\".entrypoint must be a list of strings");
    }

    @Test
    void placeholdersExpandAndUnknownOnesAreReported() throws Exception {
        CatalogPlaceholders p = new CatalogPlaceholders(java.util.Map.of("POD_IP", "127.244.0.9"));
        assertThat(p.expand("e", "--bind=${POD_IP}:${env:PATH}")).isEqualTo("--bind=127.244.0.9:" + System.getenv("PATH"));
        assertThatThrownBy(() -> p.expand("e", "${POD_IPP}")).hasMessageContaining("unknown placeholder ${POD_IPP}");
    }
}

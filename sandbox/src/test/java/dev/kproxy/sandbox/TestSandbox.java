package dev.kproxy.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.kproxy.sandbox.testpods.EchoPod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * A sandbox for one test class, with an image catalogue that maps {@code test.kproxy.dev/echo}
 * to {@link EchoPod} run from this module's test classes, and a fabric8 client on its kubeconfig.
 */
final class TestSandbox implements AutoCloseable {
    static final String ECHO_IMAGE = "test.kproxy.dev/echo:1";

    final Sandbox sandbox;
    final KubernetesClient client;

    private TestSandbox(Sandbox sandbox, KubernetesClient client) {
        this.sandbox = sandbox;
        this.client = client;
    }

    static TestSandbox start(Path dir) {
        try {
            Path catalogue = dir.resolve("images.yaml");
            Files.writeString(catalogue, """
                    images:
                      test.kproxy.dev/echo:
                        entrypoint: ["${JAVA}", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m", "-cp", "%s", "%s"]
                        cmd: ["${POD_NAME}"]
                        env:
                          BIND_ADDRESS: "${POD_IP}"
                          POD_NAME: "${POD_NAME}"
                    """.formatted(testClasses(), EchoPod.class.getName()));
            Sandbox sandbox = Sandbox.start(SandboxConfig.builder()
                    .kubeconfig(dir.resolve("kubeconfig"))
                    .workDir(dir.resolve("run"))
                    .imageCatalogue(catalogue)
                    .build());
            KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(sandbox.kubeconfig())))
                    .build();
            return new TestSandbox(sandbox, client);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String testClasses() {
        try {
            return Path.of(EchoPod.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        client.close();
        sandbox.close();
    }
}

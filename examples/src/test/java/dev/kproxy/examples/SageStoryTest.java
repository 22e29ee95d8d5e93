package dev.kproxy.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.Sandbox;
import dev.kproxy.sandbox.SandboxConfig;

/** The seed story's first act on the sandbox: sage, deployed from the real manifests, answers "from k8s". */
class SageStoryTest {
    @TempDir
    static Path dir;
    static Sandbox sandbox;

    @BeforeAll
    static void start() throws IOException {
        sandbox = Sandbox.start(SandboxConfig.builder()
                .kubeconfig(dir.resolve("kubeconfig"))
                .workDir(dir.resolve("run"))
                .imageCatalogue(Path.of("sandbox-images.yaml").toAbsolutePath())
                .build());
        sandbox.apply(List.of(Path.of("manifests/sage.yaml")));
        await().atMost(Duration.ofSeconds(120)).until(() -> sandbox.unreadyWorkloads().isEmpty());
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    void sageAnswersFromK8sThroughItsNodePortAndReachesQuotaByName() throws Exception {
        Set<String> sagePods = new HashSet<>();
        Pattern pod = Pattern.compile("\"pod\":\"(sage-[^\"]+)\"");
        for (int i = 0; i < 8; i++) {
            // A new client each time: the NodePort balances connections, and a kept-alive one sticks to a pod.
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:30519/v1/usage/test"))
                    .header("Authorization", "Bearer demo").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("{\"code\":\"0\",\"msg\":\"\",\"date\":")
                    .contains("\"data\":\"from k8s\"")
                    .containsPattern("\"quota\":\\{\"service\":\"quota\",\"pod\":\"quota-[a-z0-9]+-[a-z0-9]+\"");
            Matcher m = pod.matcher(r.body());
            assertThat(m.find()).as(r.body()).isTrue();
            sagePods.add(m.group(1));
        }
        assertThat(sagePods).as("both replicas serve the NodePort").hasSize(2);
    }
}

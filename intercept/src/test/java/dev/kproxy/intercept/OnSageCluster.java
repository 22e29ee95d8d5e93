package dev.kproxy.intercept;

import static dev.kproxy.intercept.SageCluster.NS;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.SandboxConfig;
import dev.kproxy.sandbox.api.AccessRules;

/**
 * One sage sandbox per test class, an installer on its admin client, and a user "viewer" who may
 * read everything in the namespace and manage the agent ConfigMap, but not patch workloads, and a
 * user "deployer" who may also patch workloads, but not Services.
 */
abstract class OnSageCluster {
    static final String VIEWER_TOKEN = "viewer-token-0123456789";
    static final String DEPLOYER_TOKEN = "deployer-token-0123456789";

    @TempDir
    static Path dir;
    static SageCluster cluster;
    static InterceptInstaller installer;

    @BeforeAll
    static void startCluster() {
        cluster = SageCluster.start(dir, SandboxConfig.builder().user("viewer", VIEWER_TOKEN, AccessRules.none()
                .allow(Set.of("get", "list", "watch"), Set.of("*"), Set.of(NS))
                .allow(Set.of("create", "delete"), Set.of("configmaps"), Set.of(NS)))
                .user("deployer", DEPLOYER_TOKEN, AccessRules.none()
                .allow(Set.of("get", "list", "watch"), Set.of("*"), Set.of(NS))
                .allow(Set.of("create", "delete"), Set.of("configmaps"), Set.of(NS))
                .allow(Set.of("patch"), Set.of("deployments"), Set.of(NS))));
        installer = new InterceptInstaller(cluster.client, Duration.ofSeconds(180));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }
}

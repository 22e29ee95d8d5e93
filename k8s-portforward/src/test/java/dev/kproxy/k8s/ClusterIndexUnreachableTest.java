package dev.kproxy.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ready() fails with a readable line when the API server cannot be listed, instead of hanging. */
class ClusterIndexUnreachableTest {

    @Test
    void readyFailsNamingWhatCouldNotBeListed() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl("http://127.0.0.1:" + closedPort)
                .withRequestRetryBackoffLimit(0).build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
             ClusterIndex index = ClusterIndex.start(client, Set.of("shop"))) {
            assertThatThrownBy(() -> index.ready().get(60, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("cannot list and watch ")
                    .hasMessageContaining("s in namespace shop: ")
                    .hasMessageEndingWith("; check the API server and your RBAC permissions (list, watch)");
            assertThat(index.service("shop", "web")).isEmpty();
        }
    }
}

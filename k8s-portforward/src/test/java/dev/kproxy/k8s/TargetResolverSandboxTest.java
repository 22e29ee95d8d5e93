package dev.kproxy.k8s;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.kproxy.k8s.ClusterObjects.endpoint;
import static dev.kproxy.k8s.ClusterObjects.port;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ClusterIndex and TargetResolver against the sandbox API server: objects are created through
 * fabric8, seen through informers, and every name form is resolved.
 */
class TargetResolverSandboxTest {

    private static final String NS = "shop";
    private static SandboxCluster cluster;
    private static ClusterIndex index;
    private static TargetResolver resolver;
    private static String webClusterIp;

    @BeforeAll
    static void createObjects() throws Exception {
        cluster = SandboxCluster.start();
        ClusterObjects objects = new ClusterObjects(cluster.client());
        objects.namespace(NS);
        index = ClusterIndex.start(cluster.client(), Set.of(NS, "default"));
        index.ready().get(60, TimeUnit.SECONDS);

        // web: named targetPort "http" is 8080 on the pods of one slice and 8081 on those of the other.
        webClusterIp = objects.service(NS, "web", port("http", 80, "http"), port("metrics", 9090, "9090"))
                .getSpec().getClusterIP();
        objects.slice(NS, "web-a", "web", "http", 8080,
                endpoint("10.244.0.10", "web-a", true, false),
                endpoint("10.244.0.11", "web-unready", false, false),
                endpoint("10.244.0.12", "web-terminating", true, true));
        objects.slice(NS, "web-b", "web", "http", 8081, endpoint("10.244.0.13", "web-b", null, null));
        objects.service(NS, "idle", port("", 80, "80"));
        objects.slice(NS, "idle-a", "idle", "", 80, endpoint("10.244.0.20", "idle-0", false, false));
        objects.headless(NS, "db", port("pg", 5432, "5432"));
        objects.slice(NS, "db-a", "db", "pg", 5432,
                endpoint("10.244.0.30", "db-0", "db-0"), endpoint("10.244.0.31", "db-1", "db-1"));
        objects.externalName(NS, "payments", "payments.example.org");

        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(index.readyEndpoints(NS, "web", "http")).hasSize(2);
            assertThat(index.readyEndpoints(NS, "idle", "")).isEmpty();
            assertThat(index.endpointByHostname(NS, "db", "db-1")).isPresent();
            assertThat(index.service(NS, "payments")).isPresent();
        });
        resolver = new TargetResolver(index, NS, "cluster.local", true);
    }

    @AfterAll
    static void stop() {
        if (index != null) {
            index.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void indexSeesServicesSlicesAndClusterIps() {
        ClusterService web = index.service(NS, "web").orElseThrow();
        assertThat(web.ports()).extracting(ServicePortSpec::targetPort).containsExactly("http", "9090");
        assertThat(web.clusterIPs()).containsExactly(webClusterIp);
        assertThat(index.serviceByClusterIp(webClusterIp)).contains(web);
        assertThat(index.readyEndpoints(NS, "web", "http")).containsExactly(
                new ServiceEndpoint(NS, "web-a", "10.244.0.10", 8080, null),
                new ServiceEndpoint(NS, "web-b", "10.244.0.13", 8081, null));
        assertThat(index.readyAddresses(NS, "web")).extracting(ServiceEndpoint::address)
                .containsExactly("10.244.0.10", "10.244.0.13");
        assertThat(index.services(NS)).extracting(ClusterService::name)
                .contains("web", "idle", "db", "payments");
        assertThat(index.service(NS, "db").orElseThrow().headless()).isTrue();
        assertThat(index.knowsNamespace(NS)).isTrue();
        assertThat(index.knowsNamespace("elsewhere")).isFalse();
    }

    @Test
    void indexFollowsTheClusterAcrossAnApiServerRestart() {
        cluster.restartApiServer(() -> { });
        // The object is made with a new client: a POST on the test client's pooled connection from
        // before the restart once waited out fabric8's 10 s request timeout. What is tested is
        // kproxy's index, whose own client must recover.
        try (var fresh = new io.fabric8.kubernetes.client.KubernetesClientBuilder()
                .withConfig(cluster.client().getConfiguration()).build()) {
            new ClusterObjects(fresh).service(NS, "late", port("", 8080, "8080"));
        }
        await().atMost(90, TimeUnit.SECONDS).until(() -> index.service(NS, "late").isPresent());
    }

    @Test
    void everyServiceNameFormReachesOnlyReadyEndpointsInTurn() {
        List<String> names = List.of("web", "web.shop", "web.shop.svc", "web.shop.svc.cluster.local",
                "WEB.Shop.svc.cluster.local.", webClusterIp);
        for (String name : names) {
            Set<Target> seen = new HashSet<>();
            for (int i = 0; i < 10; i++) {
                seen.add(resolver.resolve(name, 80));
            }
            assertThat(seen).as(name).containsExactlyInAnyOrder(
                    new Target.PodTarget(NS, "web-a", 8080), new Target.PodTarget(NS, "web-b", 8081));
        }
    }

    @Test
    void consecutiveConnectionsAlternate() {
        Target first = resolver.resolve("web", 80);
        Target second = resolver.resolve("web", 80);
        Target third = resolver.resolve("web", 80);
        assertThat(second).isNotEqualTo(first);
        assertThat(third).isEqualTo(first);
    }

    @Test
    void statefulSetHostnamesReachTheirPod() {
        assertThat(resolver.resolve("db-1.db.shop.svc.cluster.local", 5432)).isEqualTo(new Target.PodTarget(NS, "db-1", 5432));
        assertThat(resolver.resolve("db-0.db.shop.svc", 5432)).isEqualTo(new Target.PodTarget(NS, "db-0", 5432));
        assertThat(resolver.resolve("db-7.db.shop.svc.cluster.local", 5432)).isInstanceOf(Target.Refused.class);
    }

    @Test
    void externalNameAndOutsideNamesGoDirect() {
        assertThat(resolver.resolve("payments", 443)).isEqualTo(new Target.Direct("payments.example.org", 443));
        assertThat(resolver.resolve("api.github.com", 443)).isEqualTo(new Target.Direct("api.github.com", 443));
        assertThat(resolver.resolve("192.0.2.7", 22)).isEqualTo(new Target.Direct("192.0.2.7", 22));
    }

    @Test
    void noDirectPolicyRefusesOutsideNames() {
        TargetResolver strict = new TargetResolver(index, NS, "cluster.local", false);
        assertThat(strict.resolve("api.github.com", 443)).isEqualTo(new Target.Refused(
                "api.github.com is outside the cluster and direct connections are off (--no-direct)"));
        assertThat(strict.resolve("web", 80)).isInstanceOf(Target.PodTarget.class);
    }

    @Test
    void refusalsSayWhatIsWrongAndWhatToDo() {
        assertThat(reason("nosuch", 80)).isEqualTo(
                "service nosuch not found in namespace shop; check `kubectl get services -n shop`");
        assertThat(reason("nosuch.shop.svc.cluster.local", 80)).startsWith("service nosuch not found in namespace shop");
        assertThat(reason("web", 81)).isEqualTo("service shop/web has no TCP port 81; its ports are 80/TCP, 9090/TCP");
        assertThat(reason("idle", 80)).isEqualTo("service shop/idle port 80 has no ready endpoints; check its pods with "
                + "`kubectl get endpointslices -n shop -l kubernetes.io/service-name=idle`");
        assertThat(reason("x.y.z.cluster.local", 80)).startsWith("x.y.z.cluster.local is not a cluster name kproxy knows");
    }

    private static String reason(String host, int port) {
        Target target = resolver.resolve(host, port);
        assertThat(target).as(host).isInstanceOf(Target.Refused.class);
        return ((Target.Refused) target).reason();
    }
}

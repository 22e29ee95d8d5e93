package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/** The fabric8 client (Vert.x transport, WebSocket watches) against the sandbox over HTTPS. */
class Fabric8ClientTest {
    static SandboxApiFixture sandbox;
    static KubernetesClient admin;
    static KubernetesClient alice;

    @BeforeAll
    static void start() {
        sandbox = new SandboxApiFixture();
        admin = sandbox.client(SandboxApiFixture.ADMIN_TOKEN);
        alice = sandbox.client(SandboxApiFixture.ALICE_TOKEN);
    }

    @AfterAll
    static void stop() {
        alice.close();
        admin.close();
        sandbox.close();
    }

    static Pod pod(String name, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("sage:1").endContainer().endSpec()
                .build();
    }

    @Test
    void createGetUpdateDeleteRoundTrip() {
        ConfigMap cm = admin.configMaps().inNamespace(SandboxApiFixture.NS).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("settings").endMetadata().addToData("k", "v1").build()).create();
        assertThat(cm.getMetadata().getUid()).isNotEmpty();
        assertThat(cm.getMetadata().getNamespace()).isEqualTo(SandboxApiFixture.NS);

        ConfigMap read = admin.configMaps().inNamespace(SandboxApiFixture.NS).withName("settings").get();
        assertThat(read.getData()).containsEntry("k", "v1");

        read.getData().put("k", "v2");
        ConfigMap updated = admin.configMaps().inNamespace(SandboxApiFixture.NS).resource(read).update();
        assertThat(updated.getData()).containsEntry("k", "v2");
        assertThat(Long.parseLong(updated.getMetadata().getResourceVersion()))
                .isGreaterThan(Long.parseLong(read.getMetadata().getResourceVersion()));

        List<io.fabric8.kubernetes.api.model.StatusDetails> deleted =
                admin.configMaps().inNamespace(SandboxApiFixture.NS).withName("settings").delete();
        assertThat(deleted).hasSize(1);
        assertThat(admin.configMaps().inNamespace(SandboxApiFixture.NS).withName("settings").get()).isNull();
        assertThat(sandbox.store.get(dev.kproxy.sandbox.store.ResourceCatalog.CONFIG_MAP, SandboxApiFixture.NS,
                "settings")).isEmpty();
    }

    @Test
    void labelAndFieldSelectorsFilterLists() {
        admin.pods().inNamespace("other").resource(pod("sel-a", Map.of("app", "sage", "tier", "web"))).create();
        admin.pods().inNamespace("other").resource(pod("sel-b", Map.of("app", "sage", "tier", "db"))).create();
        admin.pods().inNamespace("other").resource(pod("sel-c", Map.of("app", "legacy"))).create();

        assertThat(names(admin.pods().inNamespace("other").withLabel("app", "sage").list().getItems()))
                .containsExactlyInAnyOrder("sel-a", "sel-b");
        assertThat(names(admin.pods().inNamespace("other").withLabelIn("tier", "db", "cache").list().getItems()))
                .containsExactly("sel-b");
        assertThat(names(admin.pods().inNamespace("other").withLabelNotIn("tier", "db").list().getItems()))
                .containsExactlyInAnyOrder("sel-a", "sel-c");
        assertThat(names(admin.pods().inNamespace("other").withoutLabel("tier").list().getItems()))
                .containsExactly("sel-c");
        assertThat(names(admin.pods().inNamespace("other").withField("metadata.name", "sel-b").list().getItems()))
                .containsExactly("sel-b");
        assertThat(names(admin.pods().inAnyNamespace().withLabel("app", "legacy").list().getItems()))
                .containsExactly("sel-c");
    }

    @Test
    void informerSeesExistingAddedUpdatedAndDeletedPods() throws Exception {
        String ns = "informed";
        sandbox.namespace(ns);
        admin.pods().inNamespace(ns).resource(pod("before", Map.of("app", "x"))).create();
        List<String> seen = new CopyOnWriteArrayList<>();
        try (SharedIndexInformer<Pod> informer = admin.pods().inNamespace(ns).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod obj) {
                seen.add("add " + obj.getMetadata().getName());
            }

            @Override
            public void onUpdate(Pod oldObj, Pod newObj) {
                if (!oldObj.getMetadata().getResourceVersion().equals(newObj.getMetadata().getResourceVersion())) {
                    seen.add("update " + newObj.getMetadata().getName() + " " + newObj.getMetadata().getLabels().get("v"));
                }
            }

            @Override
            public void onDelete(Pod obj, boolean deletedFinalStateUnknown) {
                seen.add("delete " + obj.getMetadata().getName());
            }
        })) {
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("add before"));
            admin.pods().inNamespace(ns).resource(pod("after", Map.of("app", "x"))).create();
            Pod after = admin.pods().inNamespace(ns).withName("after").get();
            after.getMetadata().getLabels().put("v", "2");
            admin.pods().inNamespace(ns).resource(after).update();
            admin.pods().inNamespace(ns).withName("before").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("delete before"));
            assertThat(seen).containsSubsequence("add before", "add after", "update after 2", "delete before");
            assertThat(informer.getStore().list()).extracting(p -> p.getMetadata().getName()).containsExactly("after");
        }
    }

    @Test
    void plainHttpWatchesWorkForFabric8Too() throws Exception {
        String ns = "http-watched";
        sandbox.namespace(ns);
        io.fabric8.kubernetes.client.Config config = io.fabric8.kubernetes.client.Config.fromKubeconfig(
                sandbox.kubeconfig(SandboxApiFixture.ADMIN_TOKEN).toFile());
        config.setOnlyHttpWatches(true);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (KubernetesClient http = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
            // From the list's version, as informers do, so the events below cannot race the watch's start.
            String listed = http.pods().inNamespace(ns).list().getMetadata().getResourceVersion();
            io.fabric8.kubernetes.client.Watch w = http.pods().inNamespace(ns).withLabel("app", "w")
                     .watch(new io.fabric8.kubernetes.api.model.ListOptionsBuilder().withResourceVersion(listed).build(), new io.fabric8.kubernetes.client.Watcher<Pod>() {
                         @Override
                         public void eventReceived(Action action, Pod resource) {
                             seen.add(action + " " + resource.getMetadata().getName());
                         }

                         @Override
                         public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
                         }
                     });
            admin.pods().inNamespace(ns).resource(pod("hw", Map.of("app", "w"))).create();
            admin.pods().inNamespace(ns).resource(pod("ignored", Map.of("app", "other"))).create();
            admin.pods().inNamespace(ns).withName("hw").delete();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains("DELETED hw"));
            assertThat(seen).containsExactly("ADDED hw", "DELETED hw");
            w.close();
        }
    }

    @Test
    void missingTokenIsUnauthorized() {
        try (KubernetesClient anonymous = sandbox.client("not-a-token")) {
            assertThatThrownBy(() -> anonymous.pods().inNamespace(SandboxApiFixture.NS).list())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(401));
        }
    }

    @Test
    void rbacDenialCarriesTheKubernetesMessage() {
        Deployment sage = admin.apps().deployments().inNamespace(SandboxApiFixture.NS).resource(deployment("sage")).create();
        assertThat(alice.apps().deployments().inNamespace(SandboxApiFixture.NS).withName("sage").get()).isNotNull();
        assertThatThrownBy(() -> alice.apps().deployments().inNamespace(SandboxApiFixture.NS).withName("sage")
                .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"replicas\":3}}"))
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(403);
                    assertThat(e.getStatus().getReason()).isEqualTo("Forbidden");
                    assertThat(e.getStatus().getMessage()).isEqualTo("deployments.apps \"sage\" is forbidden: User \"alice\" "
                            + "cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"wjyl-dev\"");
                });
        assertThatThrownBy(() -> alice.pods().inNamespace("other").list())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getStatus().getMessage())
                        .isEqualTo("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" "
                                + "in the namespace \"other\""));
        assertThat(sage.getMetadata().getGeneration()).isEqualTo(1L);
    }

    @Test
    void notFoundConflictAndMissingNamespace() {
        assertThatThrownBy(() -> admin.pods().inNamespace(SandboxApiFixture.NS).resource(pod("ghost", Map.of()))
                .update()).isInstanceOfSatisfying(KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(404));

        Pod created = admin.pods().inNamespace(SandboxApiFixture.NS).resource(pod("dup", Map.of())).create();
        assertThatThrownBy(() -> admin.pods().inNamespace(SandboxApiFixture.NS).resource(pod("dup", Map.of())).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getReason()).isEqualTo("AlreadyExists");
                });

        Pod fresh = admin.pods().inNamespace(SandboxApiFixture.NS).withName("dup").get();
        fresh.getMetadata().setLabels(Map.of("touched", "yes"));
        admin.pods().inNamespace(SandboxApiFixture.NS).resource(fresh).update();
        created.getMetadata().setLabels(Map.of("stale", "yes"));
        assertThatThrownBy(() -> admin.pods().inNamespace(SandboxApiFixture.NS).resource(created).update())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getReason()).isEqualTo("Conflict");
                });

        assertThatThrownBy(() -> admin.pods().inNamespace("nowhere").resource(pod("lost", Map.of())).create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(404);
                    assertThat(e.getStatus().getMessage()).isEqualTo("namespaces \"nowhere\" not found");
                });
    }

    @Test
    void serverSideApplyIsUnsupportedMediaType() {
        assertThatThrownBy(() -> admin.configMaps().inNamespace(SandboxApiFixture.NS).resource(new ConfigMapBuilder()
                .withNewMetadata().withName("applied").endMetadata().build()).serverSideApply())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(415));
    }

    @Test
    void statusSubresourceChangesOnlyStatus() {
        Pod p = admin.pods().inNamespace(SandboxApiFixture.NS).resource(pod("phased", Map.of("app", "a"))).create();
        p.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withPodIP("10.1.0.7").build());
        p.getMetadata().getLabels().put("ignored", "by-status");
        Pod after = admin.pods().inNamespace(SandboxApiFixture.NS).resource(p).updateStatus();
        assertThat(after.getStatus().getPhase()).isEqualTo("Running");
        assertThat(after.getMetadata().getLabels()).doesNotContainKey("ignored");

        Pod viaMain = admin.pods().inNamespace(SandboxApiFixture.NS).withName("phased").get();
        viaMain.getStatus().setPhase("Failed");
        Pod mainUpdated = admin.pods().inNamespace(SandboxApiFixture.NS).resource(viaMain).update();
        assertThat(mainUpdated.getStatus().getPhase()).isEqualTo("Running");

        assertThat(names(admin.pods().inNamespace(SandboxApiFixture.NS).withField("status.phase", "Running")
                .list().getItems())).containsExactly("phased");
    }

    /** Runs once the Patcher is in; skipped (not failed) while it is the throwing stub it was when this was written. */
    @Test
    void strategicMergePatchMergesContainersByName() {
        admin.apps().deployments().inNamespace(SandboxApiFixture.NS).resource(deployment("smp")).create();
        Deployment d;
        try {
            d = admin.apps().deployments().inNamespace(SandboxApiFixture.NS).withName("smp")
                    .patch(PatchContext.of(PatchType.STRATEGIC_MERGE),
                            "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"smp\",\"image\":\"smp:2\"}]}}}}");
        } catch (KubernetesClientException e) {
            assumeFalse(e.getCode() == 500 && String.valueOf(e.getStatus().getMessage()).contains("UnsupportedOperationException"),
                    "needs Patcher: strategic merge lands with the admission/patch work");
            throw e;
        }
        assertThat(d.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
        assertThat(d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("smp:2");
        assertThat(d.getMetadata().getGeneration()).isEqualTo(2L);
    }

    static Deployment deployment(String name) {
        return new DeploymentBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().addNewContainer().withName(name).withImage(name + ":1").endContainer().endSpec()
                .endTemplate().endSpec().build();
    }

    static List<String> names(List<? extends HasMetadata> items) {
        return items.stream().map(i -> i.getMetadata().getName()).toList();
    }
}

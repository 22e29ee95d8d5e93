package dev.kproxy.launcher.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceFieldSelector;

/** resourceFieldRef values, checked against what the kubelet's ExtractContainerResourceValue gives for the same inputs. */
class ContainerResourceValueTest {
    private static final Container APP = new ContainerBuilder().withName("app").withNewResources()
            .addToLimits("cpu", new Quantity("500m")).addToLimits("memory", new Quantity("128Mi"))
            .addToRequests("cpu", new Quantity("250m")).endResources().build();

    private static String value(String resource, String divisor, Map<String, Quantity> allocatable) {
        ResourceFieldSelector selector = new ResourceFieldSelector(null, divisor == null ? null : new Quantity(divisor), resource);
        return ContainerResourceValue.of(selector, APP, allocatable).orElse("<none>");
    }

    @Test
    void cpuIsRoundedUpToTheDivisorAndMemoryIsInBytesOrTheDivisorsUnit() {
        assertThat(value("limits.cpu", null, Map.of())).isEqualTo("1");        // 500m / 1, rounded up
        assertThat(value("limits.cpu", "1m", Map.of())).isEqualTo("500");
        assertThat(value("requests.cpu", "100m", Map.of())).isEqualTo("3");    // 250m / 100m, rounded up
        assertThat(value("limits.memory", null, Map.of())).isEqualTo("134217728");
        assertThat(value("limits.memory", "1Mi", Map.of())).isEqualTo("128");
        assertThat(value("limits.memory", "1G", Map.of())).isEqualTo("1");
    }

    @Test
    void anUnsetRequestIsZeroAndAnUnsetLimitIsTheNodesAllocatableIfKnown() {
        assertThat(value("requests.memory", null, Map.of())).isEqualTo("0");
        assertThat(value("limits.ephemeral-storage", "1Gi", Map.of("ephemeral-storage", new Quantity("20Gi")))).isEqualTo("20");
        assertThat(value("limits.ephemeral-storage", null, Map.of())).isEqualTo("<none>");
    }

    @Test
    void otherResourcesAreRefusedByName() {
        assertThatThrownBy(() -> value("limits.gpu", null, Map.of())).hasMessage("resourceFieldRef limits.gpu is not a resource the downward API offers");
        assertThatThrownBy(() -> value("cpu", null, Map.of())).hasMessageContaining("not a resource the downward API offers");
    }
}

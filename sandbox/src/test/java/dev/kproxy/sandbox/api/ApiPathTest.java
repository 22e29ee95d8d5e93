package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ApiPathTest {
    @Test
    void takesResourceUrlsApart() {
        assertThat(ApiPath.parse("/api/v1/namespaces/ns/pods/p/log"))
                .contains(new ApiPath("", "v1", "ns", "pods", "p", "log"));
        assertThat(ApiPath.parse("/apis/apps/v1/deployments"))
                .contains(new ApiPath("apps", "v1", null, "deployments", null, null));
        assertThat(ApiPath.parse("/api/v1/namespaces/ns"))
                .contains(new ApiPath("", "v1", null, "namespaces", "ns", null));
        assertThat(ApiPath.parse("/api/v1/namespaces/ns/status"))
                .contains(new ApiPath("", "v1", null, "namespaces", "ns", "status"));
        assertThat(ApiPath.parse("/api/v1")).isEmpty();
        assertThat(ApiPath.parse("/healthz")).isEmpty();
        assertThat(ApiPath.parse("/api/v1/namespaces/ns/pods/p/log/extra")).isEmpty();
    }

    @Test
    void agesAsKubectlPrintsThem() {
        assertThat(HumanDuration.format(Duration.ofSeconds(45))).isEqualTo("45s");
        assertThat(HumanDuration.format(Duration.ofSeconds(119))).isEqualTo("119s");
        assertThat(HumanDuration.format(Duration.ofSeconds(150))).isEqualTo("2m30s");
        assertThat(HumanDuration.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(HumanDuration.format(Duration.ofMinutes(190))).isEqualTo("3h10m");
        assertThat(HumanDuration.format(Duration.ofHours(30))).isEqualTo("30h");
        assertThat(HumanDuration.format(Duration.ofHours(50))).isEqualTo("2d2h");
        assertThat(HumanDuration.format(Duration.ofDays(40))).isEqualTo("40d");
        assertThat(HumanDuration.format(Duration.ofDays(365 * 3 + 5))).isEqualTo("3y5d");
    }
}

package dev.kproxy.intercept;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

class PortRewriteTest {
    private static ObjectNode json(String text) {
        return (ObjectNode) ClusterObjects.JSON.readTree(text.replace('\'', '"'));
    }

    private static ArrayNode ports(String text) {
        return (ArrayNode) ClusterObjects.JSON.readTree(text.replace('\'', '"'));
    }

    private static final String TEMPLATE = "{'containers':[{'name':'app','ports':[{'name':'web','containerPort':8080},"
            + "{'name':'metrics','containerPort':9714}],"
            + "'readinessProbe':{'httpGet':{'path':'/','port':'web'}},'livenessProbe':{'tcpSocket':{'port':'web'}},"
            + "'startupProbe':{'httpGet':{'port':'metrics'}},'lifecycle':{'preStop':{'httpGet':{'port':'web'}}}},"
            + "{'name':'other','ports':[{'containerPort':9715}],'readinessProbe':{'tcpSocket':{'port':'web'}}}]}";

    @Test
    void namedTargetPortRenamesTheAppPortAndEveryHandlerThatUsedItInThatContainerOnly() {
        ObjectNode template = json(TEMPLATE);
        PortRewrite plan = PortRewrite.plan("ns/svc", ports("[{'name':'http','port':80,'targetPort':'web'}]"), Optional.empty(),
                template, 0, 9713);

        plan.applyTo(template);

        assertThat(plan.appPort()).isEqualTo(8080);
        assertThat(plan.agentPort()).as("first port from 9714 no container declares").isEqualTo(9716);
        assertThat(plan.agentPortName()).contains("web");
        assertThat(plan.changesService()).isFalse();
        assertThat(template).isEqualTo(json(TEMPLATE.replace("'port':'web'}},'livenessProbe':{'tcpSocket':{'port':'web'}}",
                        "'port':'kproxy-app-web'}},'livenessProbe':{'tcpSocket':{'port':'kproxy-app-web'}}")
                .replace("{'name':'web','containerPort':8080}", "{'name':'kproxy-app-web','containerPort':8080}")
                .replace("'preStop':{'httpGet':{'port':'web'}}", "'preStop':{'httpGet':{'port':'kproxy-app-web'}}")));
    }

    @Test
    void numericOrMissingTargetPortChangesTheServiceOnly() {
        ObjectNode template = json(TEMPLATE);
        PortRewrite numeric = PortRewrite.plan("ns/svc", ports("[{'name':'a','port':80,'targetPort':8080},{'port':81}]"),
                Optional.of("a"), template, 10000, 9713);
        PortRewrite missing = PortRewrite.plan("ns/svc", ports("[{'name':'a','port':80,'targetPort':8080},{'port':81}]"),
                Optional.of("81"), template, 0, 9713);
        numeric.applyTo(template);

        assertThat(template).isEqualTo(json(TEMPLATE));
        assertThat(numeric.changesService()).isTrue();
        assertThat(numeric.agentPort()).isEqualTo(10000);
        assertThat(numeric.servicePortLabel()).isEqualTo("a");
        assertThat(missing.appPort()).isEqualTo(81);
        assertThat(missing.servicePortIndex()).isEqualTo(1);
        assertThat(missing.servicePortLabel()).isEqualTo("81");
    }

    @Test
    void portErrorsListWhatTheServiceHas() {
        ArrayNode two = ports("[{'name':'http','port':80,'targetPort':'web'},{'port':9090,'targetPort':9090}]");
        assertThatThrownBy(() -> PortRewrite.plan("ns/svc", two, Optional.empty(), json(TEMPLATE), 0, 9713))
                .hasMessage("service ns/svc has several ports (http 80→web, 9090→9090): name the one to intercept");
        assertThatThrownBy(() -> PortRewrite.plan("ns/svc", two, Optional.of("grpc"), json(TEMPLATE), 0, 9713))
                .hasMessage("service ns/svc has no port 'grpc'; its ports: http 80→web, 9090→9090");
        assertThatThrownBy(() -> PortRewrite.plan("ns/svc", ports("[{'port':80,'targetPort':'api'}]"), Optional.empty(),
                json(TEMPLATE), 0, 9713))
                .hasMessage("no container of the pods of service ns/svc declares a port named 'api' (the Service's targetPort):"
                        + " name the app's containerPort 'api'");
        assertThatThrownBy(() -> PortRewrite.plan("ns/svc", ports("[{'port':80,'targetPort':8080}]"), Optional.empty(),
                json(TEMPLATE), 9715, 9713))
                .hasMessage("agent port 9715 is already used in the pod: choose another");
    }

    @Test
    void renamedPortsStayValidPortNames() {
        assertThat(PortRewrite.newName("http", Set.of())).isEqualTo("kproxy-app-http");
        assertThat(PortRewrite.newName("metrics", Set.of())).isEqualTo("kp-metrics");
        assertThat(PortRewrite.newName("very-long-name1", Set.of())).isEqualTo("kp-app-0");
        assertThat(PortRewrite.newName("http", Set.of("kproxy-app-http", "kp-http", "kp-app-0"))).isEqualTo("kp-app-1");
    }
}

package dev.kproxy.agent;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentConfigTest {

    @Test
    void defaultsBindTheTunnelToThePodLoopbackOnly() throws Exception {
        AgentConfig config = AgentConfig.fromEnvironment(Map.of("KPROXY_AGENT_PORTS", "10519:50100, 8081:8080"));
        assertThat(config.ports()).containsExactly(new PortMapping(10519, 50100), new PortMapping(8081, 8080));
        assertThat(config.tunnelPort()).isEqualTo(9713);
        assertThat(config.tunnelAddresses()).containsExactly(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
        assertThat(config.appHost()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(config.listenAddress()).isEqualTo(InetAddress.getByName("0.0.0.0"));
        assertThat(config.headers().isEmpty()).isTrue();
    }

    @Test
    void sandboxSettingsAreTaken() throws Exception {
        AgentConfig config = AgentConfig.fromEnvironment(Map.of(
                "KPROXY_AGENT_PORTS", "10519:50100",
                "KPROXY_AGENT_TUNNEL_PORT", "19713",
                "KPROXY_AGENT_TUNNEL_ADDRESS", "127.1.0.7",
                "KPROXY_AGENT_APP_HOST", "127.1.0.7",
                "KPROXY_AGENT_LISTEN_ADDRESS", "[::1]",
                "KPROXY_AGENT_HEADER", "X-Kproxy-User = alice\nx-tenant=blue\n"));
        assertThat(config.tunnelPort()).isEqualTo(19713);
        assertThat(config.tunnelAddresses()).isEqualTo(List.of(InetAddress.getByName("127.1.0.7")));
        assertThat(config.appHost()).isEqualTo(InetAddress.getByName("127.1.0.7"));
        assertThat(config.listenAddress()).isEqualTo(InetAddress.getByName("::1"));
        assertThat(config.headers().rules()).containsExactly(new HeaderRule("x-kproxy-user", "alice"), new HeaderRule("x-tenant", "blue"));
    }

    @Test
    void mistakesAreNamedWithTheVariable() {
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(Map.of()))
                .isInstanceOf(AgentConfigException.class).hasMessageStartingWith("KPROXY_AGENT_PORTS is not set");
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(Map.of("KPROXY_AGENT_PORTS", "10519")))
                .hasMessage("KPROXY_AGENT_PORTS entry '10519' is not agentPort:appPort (for example 10519:50100)");
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(Map.of("KPROXY_AGENT_PORTS", "10519:70000")))
                .hasMessage("KPROXY_AGENT_PORTS entry '10519:70000' has an invalid port '70000'");
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(Map.of("KPROXY_AGENT_PORTS", "1:2", "KPROXY_AGENT_APP_HOST", "app.local")))
                .hasMessage("KPROXY_AGENT_APP_HOST 'app.local' is not an IP address");
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(Map.of("KPROXY_AGENT_PORTS", "1:2", "KPROXY_AGENT_HEADER", "alice")))
                .hasMessage("KPROXY_AGENT_HEADER 'alice' is not name=value (for example x-kproxy-user=alice)");
        assertThatThrownBy(() -> AgentConfig.fromEnvironment(Map.of("KPROXY_AGENT_PORTS", "1:2", "KPROXY_AGENT_TUNNEL_PORT", "x")))
                .hasMessage("KPROXY_AGENT_TUNNEL_PORT 'x' is not a port number");
    }

    @Test
    void headerNamesMatchCaseInsensitivelyValuesExactly() {
        HeaderRule rule = new HeaderRule("X-Kproxy-User", "alice");
        assertThat(rule.matches(head("GET / HTTP/1.1\r\nx-kproxy-user:   alice \r\n\r\n"))).isTrue();
        assertThat(rule.matches(head("GET / HTTP/1.1\r\nHost: a\r\nX-KPROXY-USER: alice\r\n\r\nbody"))).isTrue();
        assertThat(rule.matches(head("GET / HTTP/1.1\r\nX-Kproxy-User: Alice\r\n\r\n"))).isFalse();
        assertThat(rule.matches(head("GET / HTTP/1.1\r\nX-Kproxy-User-Name: alice\r\n\r\n"))).isFalse();
        // Only the head counts: the same text in the body routes nowhere.
        assertThat(rule.matches(head("POST / HTTP/1.1\r\nHost: a\r\n\r\nx-kproxy-user: alice\r\n"))).isFalse();
        assertThat(rule.matches(head("x-kproxy-user: alice\r\n\r\n"))).isFalse();
    }

    private static byte[] head(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}

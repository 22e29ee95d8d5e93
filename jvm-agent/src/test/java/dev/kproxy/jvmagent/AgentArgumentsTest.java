package dev.kproxy.jvmagent;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class AgentArgumentsTest {
    @Test
    void theSocketComesFromTheAgentArgumentThenKproxyHomeThenTheDefaultHome() {
        assertThat(AgentArguments.socket("socket=/run/k/agent.sock", "/h", "/u")).isEqualTo(Path.of("/run/k/agent.sock"));
        assertThat(AgentArguments.socket("other=1,socket=/s", null, "/u")).isEqualTo(Path.of("/s"));
        assertThat(AgentArguments.socket(null, "/h", "/u")).isEqualTo(Path.of("/h/agent.sock"));
        assertThat(AgentArguments.socket("", " ", "/u")).isEqualTo(Path.of("/u/.kproxy/agent.sock"));
    }

    @Test
    void kproxysOwnJvmsAreLeftAlone() {
        assertThat(AgentStart.isKproxyItself("dev.kproxy.launcher.Main daemon --kubeconfig k")).isTrue();
        assertThat(AgentStart.isKproxyItself("/opt/kproxy/launcher/target/kproxy.jar connect")).isTrue();
        assertThat(AgentStart.isKproxyItself("com.example.App")).isFalse();
        assertThat(AgentStart.isKproxyItself("")).isFalse();
    }
}

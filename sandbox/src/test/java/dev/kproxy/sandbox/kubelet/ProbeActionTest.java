package dev.kproxy.sandbox.kubelet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import tools.jackson.databind.JsonNode;

/** Probe attempts against real listeners on a pod-style loopback address. */
class ProbeActionTest {
    private static final String IP = "127.244.250.1";
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private HttpServer server;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(IP, 0), 0);
        server.createContext("/healthz", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("X-Probe")
                    + " " + ex.getRequestHeaders().getFirst("User-Agent"));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.createContext("/moved", ex -> {
            ex.getResponseHeaders().add("Location", "/elsewhere");
            ex.sendResponseHeaders(302, -1);
            ex.close();
        });
        server.createContext("/broken", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private JsonNode container() {
        return SandboxNode.yaml("name: app\nports: [{name: web, containerPort: " + server.getAddress().getPort() + "}]\n");
    }

    private boolean probe(String yaml) throws ContainerWaitingException {
        LaunchSpec launch = new LaunchSpec(List.of("true"), Map.of("PATH", System.getenv("PATH"), "WANT", "yes"),
                Path.of(System.getProperty("java.io.tmpdir")), null, new MountPathMapper(container(), Map.of()));
        return ProbeAction.of(SandboxNode.yaml(yaml), container(), IP, launch).check(TIMEOUT);
    }

    @Test
    void httpGetSucceedsOn2xxAnd3xxWithHeadersAndNamedPorts() throws Exception {
        assertThat(probe("httpGet: {path: /healthz, port: web, httpHeaders: [{name: X-Probe, value: sandbox}]}")).isTrue();
        assertThat(seen).containsExactly("GET /healthz sandbox kube-probe/1.34");
        assertThat(probe("httpGet: {path: /moved, port: " + server.getAddress().getPort() + "}")).isTrue();
        assertThat(probe("httpGet: {path: /broken, port: web}")).isFalse();
        assertThat(probe("httpGet: {path: /healthz, port: no-such-port}")).isFalse();
    }

    @Test
    void tcpSocketNeedsAListenerOnThePodIp() throws Exception {
        assertThat(probe("tcpSocket: {port: web}")).isTrue();
        int port = server.getAddress().getPort();
        server.stop(0);
        assertThat(probe("tcpSocket: {port: " + port + "}")).isFalse();
    }

    @Test
    void execRunsWithTheContainersEnvironment() throws Exception {
        assertThat(probe("exec: {command: [/bin/sh, -c, 'test \"$WANT\" = yes']}")).isTrue();
        assertThat(probe("exec: {command: [/bin/sh, -c, 'exit 1']}")).isFalse();
        assertThat(probe("exec: {command: [/no/such/probe]}")).isFalse();
    }
}

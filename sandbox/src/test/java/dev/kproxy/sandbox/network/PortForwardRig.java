package dev.kproxy.sandbox.network;

import java.io.IOException;
import java.time.Duration;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sandbox's port-forward behind the plain-HTTP API stand-in, with an echo "pod" process
 * listening on 127.0.0.1 and one Running pod object whose IP is 127.0.0.1. Closes all of it.
 */
final class PortForwardRig implements AutoCloseable {
    final ObjectStore store = new ObjectStore();
    final PortForwardCounters counters = new PortForwardCounters();
    final PortForwardServer portForward;
    final PlainHttpApiServer api;
    final BlockingTcpServer echo;
    /** The uid of the Running pod, as the kubelet's error text names it. */
    final String podUid;

    PortForwardRig(String podName) throws IOException, InterruptedException {
        this(podName, Duration.ZERO);
    }

    /** {@code latency}: the port-forward's injected latency (zero for none). */
    PortForwardRig(String podName, Duration latency) throws IOException, InterruptedException {
        portForward = new PortForwardServer(store, counters, latency);
        api = new PlainHttpApiServer(portForward);
        echo = new BlockingTcpServer("127.0.0.1", BlockingTcpServer.ECHO);
        ObjectNode pod = JsonNodeFactory.instance.objectNode();
        pod.putObject("metadata").put("name", podName).put("namespace", "default");
        pod.putObject("status").put("phase", "Running").put("podIP", "127.0.0.1");
        podUid = store.create(ResourceCatalog.POD, pod).path("metadata").path("uid").asString();
    }

    @Override
    public void close() throws IOException {
        portForward.close();
        api.close();
        echo.close();
        store.close();
    }
}

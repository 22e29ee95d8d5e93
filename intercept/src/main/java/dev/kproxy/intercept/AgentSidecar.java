package dev.kproxy.intercept;

import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The agent container and its jar volume, added to a pod template. Nothing privileged: no init
 * container, no capabilities, no iptables; the agent is a plain JVM listening on one more port.
 */
final class AgentSidecar {
    static final String CONTAINER = "kproxy-agent";
    static final String VOLUME = "kproxy-agent";
    static final String CONFIG_MAP = "kproxy-agent";
    static final String JAR_KEY = "kproxy-intercept-agent.jar";
    static final String MOUNT_PATH = "/kproxy";

    private final String image;
    private final PortRewrite ports;
    private final int tunnelPort;
    private final List<String> headers;

    AgentSidecar(String image, PortRewrite ports, int tunnelPort, List<String> headers) {
        this.image = image;
        this.ports = ports;
        this.tunnelPort = tunnelPort;
        this.headers = headers;
    }

    /** Adds the container and the volume; the template must not have them yet (it is the recorded original). */
    void applyTo(ObjectNode templateSpec) {
        for (JsonNode c : templateSpec.path("containers")) {
            if (CONTAINER.equals(c.path("name").asString(""))) {
                throw new InterceptException("the pod template already has a container named " + CONTAINER
                        + " that kproxy did not record: remove it, or run kproxy uninstall");
            }
        }
        for (JsonNode v : templateSpec.path("volumes")) {
            if (VOLUME.equals(v.path("name").asString(""))) {
                throw new InterceptException("the pod template already has a volume named " + VOLUME
                        + " that kproxy did not record: remove it, or run kproxy uninstall");
            }
        }
        arrayIn(templateSpec, "containers").add(container());
        ObjectNode volume = arrayIn(templateSpec, "volumes").addObject().put("name", VOLUME);
        volume.putObject("configMap").put("name", CONFIG_MAP);
    }

    private ObjectNode container() {
        ObjectNode c = ClusterObjects.JSON.createObjectNode();
        c.put("name", CONTAINER).put("image", image);
        c.putArray("command").add("java").add("-jar").add(MOUNT_PATH + "/" + JAR_KEY);
        ArrayNode env = c.putArray("env");
        env.addObject().put("name", "KPROXY_AGENT_PORTS").put("value", ports.agentPort() + ":" + ports.appPort());
        env.addObject().put("name", "KPROXY_AGENT_TUNNEL_PORT").put("value", String.valueOf(tunnelPort));
        if (!headers.isEmpty()) {
            env.addObject().put("name", "KPROXY_AGENT_HEADER").put("value", String.join("\n", headers));
        }
        ObjectNode port = c.putArray("ports").addObject();
        ports.agentPortName().ifPresent(n -> port.put("name", n));
        port.put("containerPort", ports.agentPort()).put("protocol", "TCP");
        // Ready when it listens: endpoints then only list pods whose agent can take the traffic.
        c.putObject("readinessProbe").put("periodSeconds", 2).putObject("tcpSocket").put("port", ports.agentPort());
        c.putArray("volumeMounts").addObject().put("name", VOLUME).put("mountPath", MOUNT_PATH).put("readOnly", true);
        return c;
    }

    private static ArrayNode arrayIn(ObjectNode parent, String field) {
        return parent.path(field).isArray() ? (ArrayNode) parent.get(field) : parent.putArray(field);
    }
}

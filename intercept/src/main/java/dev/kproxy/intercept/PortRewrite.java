package dev.kproxy.intercept;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How traffic for one Service port is moved onto the agent, without touching the application:
 * <ul>
 * <li><b>named targetPort</b> ({@code targetPort: http}): the app container's port is renamed
 *     ({@code kproxy-app-http}) and the agent's port takes the name, so the EndpointSlice controller
 *     resolves the Service to the agent; the app's probes that used the name follow the rename, so they
 *     keep checking the app. The Service is untouched.</li>
 * <li><b>numeric targetPort</b> ({@code targetPort: 8080}, or none, which means the port itself): the
 *     Service's targetPort is patched to the agent port, after the agent is running.</li>
 * </ul>
 * Named ports resolve per pod (kubernetes pkg/api/v1/pod/util.go FindPort), which is why renaming
 * inside the pod template is enough.
 */
final class PortRewrite {
    private static final int MAX_PORT_NAME = 15; // IANA_SVC_NAME, validation.IsValidPortName

    private final int servicePortIndex;
    private final String servicePortLabel;
    private final Optional<String> targetName;
    private final int appPort;
    private final int agentPort;
    private final Optional<String> renamedAppPort;

    private PortRewrite(int servicePortIndex, String servicePortLabel, Optional<String> targetName, int appPort,
                        int agentPort, Optional<String> renamedAppPort) {
        this.servicePortIndex = servicePortIndex;
        this.servicePortLabel = servicePortLabel;
        this.targetName = targetName;
        this.appPort = appPort;
        this.agentPort = agentPort;
        this.renamedAppPort = renamedAppPort;
    }

    /**
     * @param servicePorts the Service's ports as they were before any intercept
     * @param wanted       the port's name or number; empty when the Service has just one
     * @param templateSpec the pod template spec as it was before any intercept
     */
    static PortRewrite plan(String service, ArrayNode servicePorts, Optional<String> wanted, ObjectNode templateSpec,
                            int requestedAgentPort, int tunnelPort) {
        int index = servicePortIndex(service, servicePorts, wanted);
        JsonNode port = servicePorts.get(index);
        JsonNode target = port.path("targetPort");
        String label = port.path("name").asString("").isEmpty() ? String.valueOf(port.path("port").asInt())
                : port.path("name").asString();
        Set<Integer> taken = declaredPorts(templateSpec);
        int agentPort = agentPort(requestedAgentPort, tunnelPort, taken);
        if (target.isString() && !target.asString().matches("\\d+")) {
            String name = target.asString();
            JsonNode appPort = namedPort(templateSpec, name).orElseThrow(() -> new InterceptException("no container of"
                    + " the pods of service " + service + " declares a port named '" + name + "' (the Service's targetPort):"
                    + " name the app's containerPort '" + name + "'"));
            return new PortRewrite(index, label, Optional.of(name), appPort.path("containerPort").asInt(), agentPort,
                    Optional.of(newName(name, portNames(templateSpec))));
        }
        int app = target.isMissingNode() || target.isNull() ? port.path("port").asInt() : Integer.parseInt(target.asString());
        if (app == agentPort) {
            throw new InterceptException("the agent port " + agentPort + " is the app's own port: choose another agent port");
        }
        return new PortRewrite(index, label, Optional.empty(), app, agentPort, Optional.empty());
    }

    int appPort() {
        return appPort;
    }

    int agentPort() {
        return agentPort;
    }

    String servicePortLabel() {
        return servicePortLabel;
    }

    /** The name the agent's containerPort takes over from the app, for a named targetPort. */
    Optional<String> agentPortName() {
        return targetName;
    }

    /** True for a numeric targetPort: the Service must point at the agent port. */
    boolean changesService() {
        return targetName.isEmpty();
    }

    int servicePortIndex() {
        return servicePortIndex;
    }

    /** Renames the app container's port and the probe and lifecycle handlers that named it. */
    void applyTo(ObjectNode templateSpec) {
        if (targetName.isEmpty()) {
            return;
        }
        String from = targetName.get();
        String to = renamedAppPort.orElseThrow();
        for (JsonNode c : templateSpec.path("containers")) {
            boolean owns = false;
            for (JsonNode p : c.path("ports")) {
                if (from.equals(p.path("name").asString(""))) {
                    ((ObjectNode) p).put("name", to);
                    owns = true;
                }
            }
            if (owns) {
                for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                    renameHandlerPort(c.path(probe), from, to);
                }
                renameHandlerPort(c.path("lifecycle").path("postStart"), from, to);
                renameHandlerPort(c.path("lifecycle").path("preStop"), from, to);
            }
        }
    }

    private static void renameHandlerPort(JsonNode handler, String from, String to) {
        for (String kind : List.of("httpGet", "tcpSocket")) {
            JsonNode h = handler.path(kind);
            if (h.isObject() && h.path("port").isString() && h.path("port").asString().equals(from)) {
                ((ObjectNode) h).put("port", to);
            }
        }
    }

    private static int servicePortIndex(String service, ArrayNode ports, Optional<String> wanted) {
        if (wanted.isEmpty()) {
            if (ports.size() == 1) {
                return 0;
            }
            throw new InterceptException("service " + service + " has " + (ports.isEmpty() ? "no ports" : "several ports ("
                    + describe(ports) + "): name the one to intercept"));
        }
        String w = wanted.get();
        for (int i = 0; i < ports.size(); i++) {
            JsonNode p = ports.get(i);
            if (w.equals(p.path("name").asString("")) || w.equals(String.valueOf(p.path("port").asInt()))) {
                return i;
            }
        }
        throw new InterceptException("service " + service + " has no port '" + w + "'; its ports: " + describe(ports));
    }

    /** {@code http 50100→http, 9090→9090}: each port's name (when it has one), number and target. */
    private static String describe(ArrayNode ports) {
        return StreamSupport.stream(ports.spliterator(), false).map(p -> {
            String name = p.path("name").asString("");
            String target = p.path("targetPort").isMissingNode() ? String.valueOf(p.path("port").asInt())
                    : p.path("targetPort").asString();
            return (name.isEmpty() ? "" : name + " ") + p.path("port").asInt() + "→" + target;
        }).collect(Collectors.joining(", "));
    }

    private static int agentPort(int requested, int tunnelPort, Set<Integer> taken) {
        if (requested != 0) {
            if (taken.contains(requested) || requested == tunnelPort) {
                throw new InterceptException("agent port " + requested + " is already used in the pod: choose another");
            }
            return requested;
        }
        int port = InterceptSpec.FIRST_AGENT_PORT;
        while (taken.contains(port) || port == tunnelPort) {
            port++;
        }
        return port;
    }

    private static Optional<JsonNode> namedPort(ObjectNode templateSpec, String name) {
        for (JsonNode c : templateSpec.path("containers")) {
            for (JsonNode p : c.path("ports")) {
                if (name.equals(p.path("name").asString(""))) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private static Set<Integer> declaredPorts(ObjectNode templateSpec) {
        Set<Integer> ports = new HashSet<>();
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : templateSpec.path(list)) {
                c.path("ports").forEach(p -> ports.add(p.path("containerPort").asInt()));
            }
        }
        return ports;
    }

    private static Set<String> portNames(ObjectNode templateSpec) {
        Set<String> names = new HashSet<>();
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : templateSpec.path(list)) {
                c.path("ports").forEach(p -> names.add(p.path("name").asString("")));
            }
        }
        return names;
    }

    /** A valid, unused port name for the app's port: {@code kproxy-app-http}, shorter forms when that is too long. */
    static String newName(String name, Set<String> used) {
        for (String candidate : List.of("kproxy-app-" + name, "kp-" + name)) {
            if (candidate.length() <= MAX_PORT_NAME && !used.contains(candidate)) {
                return candidate;
            }
        }
        for (int i = 0; ; i++) {
            String candidate = "kp-app-" + i;
            if (!used.contains(candidate)) {
                return candidate;
            }
        }
    }
}

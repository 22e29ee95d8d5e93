package dev.kproxy.launcher.intercept;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code kproxy intercept} asks the daemon for; travels as the JSON of the {@code intercept} control command.
 *
 * @param name        the intercept's name (by default also the workload's and the Service's)
 * @param namespace   empty: the daemon's namespace
 * @param remotePort  the Service port's name or number; empty when the Service has one port
 * @param headers     {@code name=value} rules for a personal intercept (a request must carry all); empty for all traffic
 * @param environment whether to resolve the app container's environment (for {@code --env-file})
 * @param rolloutTimeoutMillis how long the install waits for the rollout; 0 for the default
 */
record InterceptRequest(String name, Optional<String> namespace, Optional<String> workload, Optional<String> service,
                        int localPort, Optional<String> remotePort, List<String> headers, Optional<String> agentImage,
                        boolean environment, long rolloutTimeoutMillis) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    InterceptRequest {
        headers = List.copyOf(headers);
    }

    ObjectNode toJson(String command) {
        ObjectNode o = JSON.createObjectNode().put("command", command).put("name", name).put("localPort", localPort)
                .put("environment", environment).put("rolloutTimeoutMillis", rolloutTimeoutMillis);
        namespace.ifPresent(v -> o.put("namespace", v));
        workload.ifPresent(v -> o.put("workload", v));
        service.ifPresent(v -> o.put("service", v));
        remotePort.ifPresent(v -> o.put("remotePort", v));
        headers.forEach(o.putArray("headers")::add);
        agentImage.ifPresent(v -> o.put("agentImage", v));
        return o;
    }

    static InterceptRequest fromJson(JsonNode o) {
        return new InterceptRequest(o.path("name").asString(""), text(o, "namespace"), text(o, "workload"), text(o, "service"),
                o.path("localPort").asInt(0), text(o, "remotePort"), strings(o, "headers"), text(o, "agentImage"),
                o.path("environment").asBoolean(false), o.path("rolloutTimeoutMillis").asLong(0));
    }

    private static List<String> strings(JsonNode o, String field) {
        List<String> out = new ArrayList<>();
        o.path(field).forEach(v -> out.add(v.asString("")));
        return out;
    }

    private static Optional<String> text(JsonNode o, String field) {
        return o.path(field).isString() && !o.path(field).asString().isBlank() ? Optional.of(o.path(field).asString()) : Optional.empty();
    }
}

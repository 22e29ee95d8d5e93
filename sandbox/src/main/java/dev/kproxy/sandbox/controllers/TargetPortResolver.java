package dev.kproxy.sandbox.controllers;

import java.util.OptionalInt;

import tools.jackson.databind.JsonNode;

/**
 * The port a Service port reaches on one pod, after {@code pkg/api/v1/pod/util.go FindPort}: a
 * numeric targetPort as is, a named one looked up among the pod's container ports with the same
 * name and protocol, a missing one (or 0) as the service port itself, the API's default.
 */
final class TargetPortResolver {
    private TargetPortResolver() {
    }

    static OptionalInt resolve(JsonNode servicePort, JsonNode pod) {
        JsonNode target = servicePort.path("targetPort");
        if (target.isNumber() && target.asInt() != 0) {
            return OptionalInt.of(target.asInt());
        }
        if (!target.isString() || target.asString().isEmpty()) {
            return OptionalInt.of(servicePort.path("port").asInt());
        }
        String name = target.asString();
        String protocol = servicePort.path("protocol").asString("TCP");
        for (String containers : new String[] {"containers", "initContainers"}) {
            for (JsonNode container : pod.path("spec").path(containers).values()) {
                boolean sidecar = containers.equals("initContainers") && container.path("restartPolicy").asString("").equals("Always");
                if (!containers.equals("containers") && !sidecar) {
                    continue;
                }
                for (JsonNode port : container.path("ports").values()) {
                    if (port.path("name").asString("").equals(name) && port.path("protocol").asString("TCP").equals(protocol)) {
                        return OptionalInt.of(port.path("containerPort").asInt());
                    }
                }
            }
        }
        return OptionalInt.empty();
    }
}

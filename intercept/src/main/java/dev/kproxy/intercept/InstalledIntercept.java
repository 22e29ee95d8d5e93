package dev.kproxy.intercept;

import java.util.Map;

/**
 * An intercept in place: the laptop's tunnel port-forwards to {@code tunnelPort} of the workload's
 * pods (found by {@code podLabels}); the agent listens on {@code agentPort} in front of {@code appPort}.
 *
 * @param workload    {@code deployment/sage}
 * @param servicePort the Service port's name, or its number when it has no name
 */
public record InstalledIntercept(String namespace, String workload, String service, String servicePort, int appPort,
                                 int agentPort, int tunnelPort, Map<String, String> podLabels) {
    public InstalledIntercept {
        podLabels = Map.copyOf(podLabels);
    }
}

package dev.kproxy.intercept;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to intercept: a Service port in a namespace. The workload is the one the Service selects.
 *
 * @param namespace      the Service's namespace
 * @param service        the Service's name
 * @param servicePort    the Service port's number or name; empty when the Service has a single port
 * @param agentImage     the image that runs {@code java -jar}; it needs only a JRE 17
 * @param headers        {@code name=value} rules: only requests carrying all of them go to the laptop; empty for all traffic
 * @param agentPort      the agent's listening port in the pod; 0 picks the first free one from {@value #FIRST_AGENT_PORT}
 * @param tunnelPort     the agent's tunnel port, reached over port-forward
 * @param rolloutTimeout how long to wait for the workload's pods to be ready with the agent
 */
public record InterceptSpec(String namespace, String service, Optional<String> servicePort, String agentImage,
                            List<String> headers, int agentPort, int tunnelPort, Duration rolloutTimeout) {
    public static final String DEFAULT_IMAGE = "eclipse-temurin:17-jre";
    public static final int DEFAULT_TUNNEL_PORT = 9713;
    public static final int FIRST_AGENT_PORT = 9714;
    public static final Duration DEFAULT_ROLLOUT_TIMEOUT = Duration.ofMinutes(2);

    public InterceptSpec {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(agentImage, "agentImage");
        Objects.requireNonNull(rolloutTimeout, "rolloutTimeout");
        servicePort = servicePort.filter(p -> !p.isBlank());
        headers = List.copyOf(headers);
        for (String rule : headers) {
            // One rule per line in the agent's KPROXY_AGENT_HEADER; HTTP header values hold no CR/LF anyway.
            if (rule.indexOf('=') <= 0 || rule.indexOf('\n') >= 0 || rule.indexOf('\r') >= 0) {
                throw new InterceptException("header rule '" + rule.strip() + "' is not name=value: give it as name=value");
            }
        }
        if (agentPort < 0 || agentPort > 65535 || tunnelPort < 1 || tunnelPort > 65535) {
            throw new InterceptException("agent port " + agentPort + " or tunnel port " + tunnelPort + " is not a port number (1-65535)");
        }
    }

    /** Every port of the Service if it has one, the default image, all traffic. */
    public static InterceptSpec of(String namespace, String service) {
        return new InterceptSpec(namespace, service, Optional.empty(), DEFAULT_IMAGE, List.of(), 0,
                DEFAULT_TUNNEL_PORT, DEFAULT_ROLLOUT_TIMEOUT);
    }

    public InterceptSpec withServicePort(String port) {
        return new InterceptSpec(namespace, service, Optional.ofNullable(port), agentImage, headers, agentPort, tunnelPort, rolloutTimeout);
    }

    public InterceptSpec withAgentImage(String image) {
        return new InterceptSpec(namespace, service, servicePort, image, headers, agentPort, tunnelPort, rolloutTimeout);
    }

    /** Adds a rule: with several, a request must carry them all. */
    public InterceptSpec withHeader(String rule) {
        List<String> more = new ArrayList<>(headers);
        more.add(rule);
        return new InterceptSpec(namespace, service, servicePort, agentImage, more, agentPort, tunnelPort, rolloutTimeout);
    }

    public InterceptSpec withAgentPort(int port) {
        return new InterceptSpec(namespace, service, servicePort, agentImage, headers, port, tunnelPort, rolloutTimeout);
    }

    public InterceptSpec withTunnelPort(int port) {
        return new InterceptSpec(namespace, service, servicePort, agentImage, headers, agentPort, port, rolloutTimeout);
    }

    public InterceptSpec withRolloutTimeout(Duration timeout) {
        return new InterceptSpec(namespace, service, servicePort, agentImage, headers, agentPort, tunnelPort, timeout);
    }
}

package dev.kproxy.sandbox.kubelet;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.StoreException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes {@code status} of a pod the way the kubelet's status manager does: the phase from the
 * containers' states (getPhase in pkg/kubelet/kubelet_pods.go), the standard conditions with a
 * lastTransitionTime that only moves when a condition's status changes, pod and host IPs, and one
 * containerStatuses entry per container. Also binds the pod to this node ({@code spec.nodeName})
 * when nothing did, as the scheduler would have.
 */
final class PodStatusWriter {
    private static final System.Logger LOG = System.getLogger(PodStatusWriter.class.getName());
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ObjectStore store;

    PodStatusWriter(ObjectStore store) {
        this.store = store;
    }

    /**
     * What the worker saw of its containers at one moment.
     *
     * @param incompleteInits init containers that have not completed (sidecars: not started) yet, in order
     * @param sidecars        names of init containers that are sidecars; they count towards readiness
     */
    record Observed(Instant startTime, List<ContainerSnapshot> inits, List<ContainerSnapshot> containers,
                    List<String> incompleteInits, List<String> sidecars) {
    }

    void write(PodWorker worker, Observed observed) {
        try {
            store.modify(ResourceCatalog.POD, worker.namespace(), worker.name(), current -> {
                if (!worker.uid().equals(current.path("metadata").path("uid").asString(""))) {
                    return null;
                }
                ObjectNode spec = current.has("spec") && current.get("spec").isObject()
                        ? (ObjectNode) current.get("spec") : current.putObject("spec");
                if (spec.path("nodeName").asString("").isEmpty()) {
                    spec.put("nodeName", Kubelet.NODE_NAME);
                }
                JsonNode previous = current.path("status");
                current.set("status", status(worker, observed, spec, previous));
                return current;
            });
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.NOT_FOUND) {
                LOG.log(System.Logger.Level.WARNING, "cannot write status of pod " + worker.describe() + ": " + e.getMessage());
            }
        }
    }

    private static ObjectNode status(PodWorker worker, Observed observed, JsonNode spec, JsonNode previous) {
        List<ContainerSnapshot> containers = observed.containers();
        String restartPolicy = spec.path("restartPolicy").asString("Always");
        String phase = phase(observed.inits(), observed.incompleteInits(), containers, restartPolicy);
        boolean finished = phase.equals("Succeeded") || phase.equals("Failed");
        List<ContainerSnapshot> readinessOf = new java.util.ArrayList<>(containers);
        observed.inits().stream().filter(i -> observed.sidecars().contains(i.name())).forEach(readinessOf::add);
        List<String> unready = readinessOf.stream().filter(c -> !c.ready()).map(ContainerSnapshot::name).toList();
        boolean allReady = !finished && unready.isEmpty() && !containers.isEmpty();
        boolean initialized = observed.incompleteInits().isEmpty();
        String notReadyReason = finished ? "PodCompleted" : "ContainersNotReady";
        String notReadyMessage = finished ? null : "containers with unready status: [" + String.join(" ", unready) + "]";

        ObjectNode status = NODES.objectNode();
        status.put("phase", phase);
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(condition(previous, "PodReadyToStartContainers", true, null, null));
        conditions.add(condition(previous, "Initialized", initialized, "ContainersNotInitialized",
                "containers with incomplete status: [" + String.join(" ", observed.incompleteInits()) + "]"));
        conditions.add(condition(previous, "Ready", allReady, notReadyReason, notReadyMessage));
        conditions.add(condition(previous, "ContainersReady", allReady, notReadyReason, notReadyMessage));
        conditions.add(condition(previous, "PodScheduled", true, null, null));
        status.put("hostIP", Kubelet.HOST_IP);
        status.putArray("hostIPs").addObject().put("ip", Kubelet.HOST_IP);
        status.put("podIP", worker.ip());
        status.putArray("podIPs").addObject().put("ip", worker.ip());
        status.put("startTime", timestamp(observed.startTime()));
        if (!observed.inits().isEmpty()) {
            ArrayNode initStatuses = status.putArray("initContainerStatuses");
            observed.inits().forEach(c -> initStatuses.add(containerStatus(c)));
        }
        ArrayNode statuses = status.putArray("containerStatuses");
        containers.forEach(c -> statuses.add(containerStatus(c)));
        status.put("qosClass", qosClass(spec));
        return status;
    }

    /** Pending until init containers are done; Failed when one failed and will not be restarted (restartPolicy Never). */
    static String phase(List<ContainerSnapshot> inits, List<String> incompleteInits, List<ContainerSnapshot> containers,
                        String restartPolicy) {
        for (ContainerSnapshot i : inits) {
            if (i.terminated() != null && i.terminated().exitCode() != 0) {
                return "Failed";
            }
        }
        return incompleteInits.isEmpty() ? phase(containers, restartPolicy) : "Pending";
    }

    /** getPhase: a container waiting for its first start keeps the pod Pending; one that ran counts as stopped. */
    static String phase(List<ContainerSnapshot> containers, String restartPolicy) {
        int running = 0;
        int waiting = 0;
        int stopped = 0;
        int succeeded = 0;
        for (ContainerSnapshot c : containers) {
            if (c.running()) {
                running++;
            } else if (c.terminated() != null) {
                stopped++;
                if (c.terminated().exitCode() == 0) {
                    succeeded++;
                }
            } else if (c.lastTerminated() != null) {
                stopped++;
            } else {
                waiting++;
            }
        }
        if (waiting > 0 || containers.isEmpty()) {
            return "Pending";
        }
        if (running > 0) {
            return "Running";
        }
        if (restartPolicy.equals("Always")) {
            return "Running";
        }
        if (stopped == succeeded) {
            return "Succeeded";
        }
        if (restartPolicy.equals("Never")) {
            return "Failed";
        }
        return "Running";
    }

    private static ObjectNode condition(JsonNode previous, String type, boolean value, String reason, String message) {
        String status = value ? "True" : "False";
        String transition = timestamp(Instant.now());
        for (JsonNode old : previous.path("conditions")) {
            if (type.equals(old.path("type").asString("")) && status.equals(old.path("status").asString(""))) {
                transition = old.path("lastTransitionTime").asString(transition);
            }
        }
        ObjectNode c = NODES.objectNode();
        c.put("type", type);
        c.put("status", status);
        c.putNull("lastProbeTime");
        c.put("lastTransitionTime", transition);
        if (!value && reason != null) {
            c.put("reason", reason);
            if (message != null) {
                c.put("message", message);
            }
        }
        return c;
    }

    private static ObjectNode containerStatus(ContainerSnapshot c) {
        ObjectNode s = NODES.objectNode();
        s.put("name", c.name());
        ObjectNode state = s.putObject("state");
        if (c.running()) {
            state.putObject("running").put("startedAt", timestamp(c.startedAt()));
        } else if (c.terminated() != null) {
            state.set("terminated", terminated(c.terminated()));
        } else {
            ObjectNode w = state.putObject("waiting").put("reason", c.waitingReason());
            if (c.waitingMessage() != null && !c.waitingMessage().isEmpty()) {
                w.put("message", c.waitingMessage());
            }
        }
        ObjectNode last = s.putObject("lastState");
        if (c.lastTerminated() != null) {
            last.set("terminated", terminated(c.lastTerminated()));
        }
        s.put("ready", c.ready());
        s.put("restartCount", c.restartCount());
        s.put("image", c.image());
        s.put("imageID", c.imageId());
        if (!c.containerId().isEmpty()) {
            s.put("containerID", c.containerId());
        }
        s.put("started", c.started());
        return s;
    }

    private static ObjectNode terminated(ContainerSnapshot.Termination t) {
        ObjectNode n = NODES.objectNode();
        n.put("exitCode", t.exitCode());
        n.put("reason", t.reason());
        n.put("startedAt", timestamp(t.startedAt()));
        n.put("finishedAt", timestamp(t.finishedAt()));
        n.put("containerID", t.containerId());
        return n;
    }

    /** pkg/apis/core/v1/helper/qos: Guaranteed when every container's cpu and memory limits equal requests, BestEffort when none set any. */
    static String qosClass(JsonNode spec) {
        boolean any = false;
        boolean guaranteed = true;
        for (JsonNode c : spec.path("containers")) {
            JsonNode limits = c.path("resources").path("limits");
            JsonNode requests = c.path("resources").path("requests");
            if (limits.size() > 0 || requests.size() > 0) {
                any = true;
            }
            for (String r : List.of("cpu", "memory")) {
                String limit = limits.path(r).asString("");
                String request = requests.path(r).asString(limit);
                if (limit.isEmpty() || !limit.equals(request)) {
                    guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    private static String timestamp(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}

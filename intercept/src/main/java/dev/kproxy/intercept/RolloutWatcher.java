package dev.kproxy.intercept;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Waits until a workload runs its current pod template everywhere, by the rules of
 * {@code kubectl rollout status} (kubectl/pkg/polymorphichelpers/rollout_status.go): the controller
 * has observed the latest generation, every replica is updated, no old replica is left and the
 * updated ones are available (ready). On timeout it fails with what a pod says is wrong.
 */
final class RolloutWatcher {
    private static final Duration POLL = Duration.ofMillis(300);
    private static final List<String> BENIGN_WAITING = List.of("ContainerCreating", "PodInitializing");

    private record State(boolean done, int ready, int wanted) {
    }

    private final ClusterObjects objects;

    RolloutWatcher(ClusterObjects objects) {
        this.objects = objects;
    }

    void await(Workload workload, Duration timeout, RolloutProgress progress) {
        long deadline = System.nanoTime() + timeout.toNanos();
        State last = null;
        Optional<String> backOff = Optional.empty();
        while (true) {
            ObjectNode now = objects.get(workload.kind(), workload.namespace(), workload.name())
                    .orElseThrow(() -> new InterceptException(workload + " was deleted during the rollout"));
            State state = state(workload.kind(), now);
            if (last == null || state.ready() != last.ready() || state.wanted() != last.wanted()) {
                progress.update(workload.ref(), state.ready(), state.wanted());
            }
            last = state;
            if (state.done()) {
                return;
            }
            // The kubelet flips between an error (ErrImagePull) and its back-off (ImagePullBackOff); the
            // back-off is its verdict that the failure repeats, so that is what a timeout reports.
            String problem = podProblem(Workload.of(workload.kind(), now));
            if (problem.contains("BackOff: ")) {
                backOff = Optional.of(problem);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new InterceptException("rollout of " + workload + " not ready after " + timeout.toSeconds() + "s (ready "
                        + state.ready() + "/" + state.wanted() + "): " + backOff.orElse(problem));
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterceptException("interrupted while waiting for the rollout of " + workload);
            }
        }
    }

    private static State state(ObjectKind kind, JsonNode w) {
        JsonNode status = w.path("status");
        int wanted = w.path("spec").path("replicas").asInt(1);
        boolean observed = status.path("observedGeneration").asLong(0) >= w.path("metadata").path("generation").asLong(1);
        int updated = status.path("updatedReplicas").asInt(0);
        int ready = status.path("readyReplicas").asInt(0);
        if (kind == ObjectKind.STATEFUL_SET) {
            String update = status.path("updateRevision").asString("");
            boolean revised = update.isEmpty() || update.equals(status.path("currentRevision").asString(""));
            boolean done = observed && updated >= wanted && ready >= wanted && revised;
            return new State(done, Math.min(updated, ready), wanted);
        }
        int replicas = status.path("replicas").asInt(0);
        int available = status.path("availableReplicas").asInt(0);
        boolean done = observed && updated >= wanted && replicas <= updated && available >= updated;
        // Status counts old and new pods together; old pods still running are taken to be the available ones.
        int newAvailable = Math.max(0, Math.min(updated, available - (replicas - updated)));
        return new State(done, observed ? newAvailable : 0, wanted);
    }

    /** The first thing a pod of the workload reports as wrong, kubectl-describe style, in one line. */
    private String podProblem(Workload workload) {
        List<ObjectNode> pods = objects.list(ObjectKind.POD, workload.namespace(), workload.podLabels());
        for (ObjectNode pod : pods) {
            Optional<String> problem = containerProblem(pod);
            if (problem.isPresent()) {
                return "pod " + pod.path("metadata").path("name").asString() + " " + problem.get();
            }
        }
        for (ObjectNode pod : pods) {
            for (JsonNode c : pod.path("status").path("conditions")) {
                if (c.path("status").asString().equals("False") && c.path("message").isString()) {
                    return "pod " + pod.path("metadata").path("name").asString() + " " + c.path("type").asString() + ": "
                            + c.path("message").asString();
                }
            }
        }
        return pods.isEmpty() ? "it has no pods: see kubectl describe " + workload.ref()
                : "its pods are not ready yet: see kubectl describe " + workload.ref() + ", or allow a longer timeout";
    }

    private static Optional<String> containerProblem(JsonNode pod) {
        for (String list : List.of("initContainerStatuses", "containerStatuses")) {
            for (JsonNode cs : pod.path("status").path(list)) {
                String container = "container " + cs.path("name").asString() + ": ";
                JsonNode waiting = cs.path("state").path("waiting");
                String reason = waiting.path("reason").asString("");
                if (!reason.isEmpty() && !BENIGN_WAITING.contains(reason)) {
                    return Optional.of(container + reason + ": " + waiting.path("message").asString("").strip());
                }
                JsonNode terminated = cs.path("lastState").path("terminated");
                if (!cs.path("ready").asBoolean(false) && terminated.isObject()) {
                    return Optional.of(container + "not ready, last exit " + terminated.path("exitCode").asInt() + " "
                            + terminated.path("reason").asString("") + " (see kubectl logs --previous)");
                }
            }
        }
        return Optional.empty();
    }
}

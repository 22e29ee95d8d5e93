package dev.kproxy.intercept;

/** Told whenever a workload's rollout moves: {@code deployment/sage ready 1/2}. */
@FunctionalInterface
public interface RolloutProgress {
    RolloutProgress NONE = (workload, ready, wanted) -> { };

    /** @param workload {@code deployment/sage} */
    void update(String workload, int ready, int wanted);
}

package dev.kproxy.sandbox.controllers;

import java.util.List;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.store.ObjectStore;

/**
 * The sandbox's kube-controller-manager: the Deployment, ReplicaSet, StatefulSet, EndpointSlice
 * and Endpoints controllers and the garbage collector, each watching the store and reconciling on
 * a thread of its own. Pods it creates pass through {@link Admission} first, as if posted to the
 * API server; running them (IPs, phases, readiness) is the kubelet's job, not this one's.
 */
public final class ControllerManager implements AutoCloseable {
    private final GarbageCollector garbageCollector;
    private final List<QueuedController> controllers;
    private boolean started;
    private boolean closed;

    public ControllerManager(ObjectStore store, Admission admission) {
        this.garbageCollector = new GarbageCollector(store);
        this.controllers = List.of(
                new DeploymentController(store),
                new ReplicaSetController(store, admission),
                new StatefulSetController(store, admission),
                new EndpointSliceController(store),
                new EndpointsController(store));
    }

    /** Starts every controller; each first reconciles what already is in the store. */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException(closed ? "controller manager is closed" : "controller manager already started");
        }
        started = true;
        garbageCollector.start();
        controllers.forEach(QueuedController::start);
    }

    /** Stops watching and reconciling; what the controllers made stays in the store. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        controllers.forEach(QueuedController::close);
        garbageCollector.close();
    }
}

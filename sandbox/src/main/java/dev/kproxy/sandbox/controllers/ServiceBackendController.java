package dev.kproxy.sandbox.controllers;

import java.util.List;
import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.WatchEvent;
import tools.jackson.databind.node.ObjectNode;

/**
 * A controller that publishes, per Service, the pods behind it. Any pod change queues every
 * Service with a selector in the pod's namespace: the pod's old labels are not in the event, and
 * a Service that stopped selecting the pod must drop it, so matching on the new labels would miss it.
 */
abstract class ServiceBackendController extends QueuedController {
    private final ResourceType output;

    ServiceBackendController(ObjectStore store, ResourceType output, String name) {
        super(store, ResourceCatalog.SERVICE, name);
        this.output = output;
    }

    /** The Service key an output object (slice or Endpoints) belongs to, if this controller made it. */
    protected abstract Optional<ObjectKey> serviceOf(WatchEvent outputEvent);

    /** Publishes the Service's backends; runs only for a Service that exists and has a selector. */
    protected abstract void publish(ObjectKey key, ObjectNode service);

    /** Removes what {@link #publish} made, for a Service that is gone or no longer has a selector. */
    protected abstract void withdraw(ObjectKey key, boolean serviceExists);

    @Override
    protected final void watchSecondaries() {
        watch(ResourceCatalog.POD, e -> store.list(ResourceCatalog.SERVICE, e.namespace(), ServiceEndpoints::hasSelector)
                .stream().map(ObjectKey::of).toList());
        watch(output, e -> serviceOf(e).stream().toList());
    }

    @Override
    protected final void reconcile(ObjectKey key, ObjectNode service) {
        if (ServiceEndpoints.hasSelector(service)) {
            publish(key, service);
        } else {
            withdraw(key, true);
        }
    }

    @Override
    protected final void reconcileAbsent(ObjectKey key) {
        withdraw(key, false);
    }

    protected final List<ObjectNode> podsOf(ObjectKey key, ObjectNode service) {
        return store.list(ResourceCatalog.POD, key.namespace(), p -> ServiceEndpoints.selects(service, p));
    }
}

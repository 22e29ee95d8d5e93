package dev.kproxy.sandbox.controllers;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;

/** A delete that treats "already gone" as done, so a reconcile that runs twice does not fail the second time. */
final class IdempotentDelete {
    private IdempotentDelete() {
    }

    /** Returns whether this call removed the object. */
    static boolean delete(ObjectStore store, ResourceType type, ObjectKey key) {
        try {
            store.delete(type, key.namespace(), key.name());
            return true;
        } catch (StoreException e) {
            if (e.reason() != StoreException.Reason.NOT_FOUND) {
                throw e;
            }
            return false;
        }
    }
}

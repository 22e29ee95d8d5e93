package dev.kproxy.sandbox.patch;

import dev.kproxy.sandbox.store.StoreException;

/** Every malformed or failing patch is a 422 Invalid, as the API server answers it. */
final class PatchErrors {
    private PatchErrors() {
    }

    static StoreException invalid(String message) {
        return new StoreException(StoreException.Reason.INVALID, message);
    }
}

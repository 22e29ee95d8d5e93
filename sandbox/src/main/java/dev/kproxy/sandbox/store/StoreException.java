package dev.kproxy.sandbox.store;

/** A refused store operation; {@link Reason} maps one to one onto the Kubernetes Status reasons. */
public final class StoreException extends RuntimeException {

    public enum Reason {
        NOT_FOUND(404, "NotFound"),
        ALREADY_EXISTS(409, "AlreadyExists"),
        CONFLICT(409, "Conflict"),
        GONE(410, "Expired"),
        INVALID(422, "Invalid");

        public final int httpCode;
        public final String statusReason;

        Reason(int httpCode, String statusReason) {
            this.httpCode = httpCode;
            this.statusReason = statusReason;
        }
    }

    private final Reason reason;

    public StoreException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    public static StoreException notFound(ResourceType type, String name) {
        return new StoreException(Reason.NOT_FOUND, type + " \"" + name + "\" not found");
    }
}

package dev.kproxy.sandbox.patch;

import java.util.Optional;

/** The patch formats the sandbox accepts, by request Content-Type. */
public enum PatchType {
    JSON("application/json-patch+json"),
    MERGE("application/merge-patch+json"),
    STRATEGIC("application/strategic-merge-patch+json");

    public final String contentType;

    PatchType(String contentType) {
        this.contentType = contentType;
    }

    /** Empty for unsupported types (server-side apply), which the API answers with 415. */
    public static Optional<PatchType> fromContentType(String contentType) {
        if (contentType == null) {
            return Optional.empty();
        }
        String bare = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
        for (PatchType t : values()) {
            if (t.contentType.equals(bare)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}

package dev.kproxy.sandbox.manifest;

/** A manifest that cannot be applied; the message is one line naming the file, the document and the problem. */
public final class ManifestException extends RuntimeException {
    public ManifestException(String message) {
        super(message, null, false, false);
    }
}

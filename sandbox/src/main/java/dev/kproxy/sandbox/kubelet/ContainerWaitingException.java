package dev.kproxy.sandbox.kubelet;

/**
 * Why a container cannot start yet, in the kubelet's own words: {@code reason} is what kubectl
 * shows in the STATUS column (ErrImagePull, CreateContainerConfigError, RunContainerError,
 * ContainerCreating) and {@code message} one line saying what is wrong and what to do.
 */
public final class ContainerWaitingException extends Exception {
    private final String reason;

    ContainerWaitingException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}

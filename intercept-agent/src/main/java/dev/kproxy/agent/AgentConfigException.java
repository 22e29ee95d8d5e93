package dev.kproxy.agent;

/** A setting the agent cannot run with; the message says which variable and what it should look like. */
public final class AgentConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public AgentConfigException(String message) {
        super(message);
    }
}

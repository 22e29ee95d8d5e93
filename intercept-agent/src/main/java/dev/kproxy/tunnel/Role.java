package dev.kproxy.tunnel;

/** Which end of a tunnel a session is; only the agent opens streams (one per inbound cluster connection). */
public enum Role {
    AGENT(1),
    LAPTOP(2);

    private final int code;

    Role(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public Role peer() {
        return this == AGENT ? LAPTOP : AGENT;
    }

    /** The role with this code, or null for a code version 1 does not define. */
    public static Role ofCode(int code) {
        for (Role role : values()) {
            if (role.code == code) {
                return role;
            }
        }
        return null;
    }
}

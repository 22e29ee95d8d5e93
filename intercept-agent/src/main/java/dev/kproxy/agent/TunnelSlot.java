package dev.kproxy.agent;

import dev.kproxy.tunnel.TunnelSession;

/**
 * The laptop tunnel new connections go to, if any. One at a time: a newer tunnel replaces the older one
 * (the laptop reconnects after a drop, and the stale tunnel may not have noticed yet).
 */
final class TunnelSlot {
    private TunnelSession current;

    /** The attached tunnel, or null when connections go to the app. */
    synchronized TunnelSession current() {
        return current != null && current.isOpen() ? current : null;
    }

    void attach(TunnelSession session, String peer) {
        TunnelSession previous;
        synchronized (this) {
            previous = current;
            current = session;
        }
        AgentLog.info("tunnel attached from " + peer + "; new connections go to the laptop");
        if (previous != null) {
            previous.close("replaced by a newer tunnel");
        }
        session.closed().whenComplete((reason, error) -> detach(session, peer, reason));
    }

    private void detach(TunnelSession session, String peer, String reason) {
        boolean wasCurrent;
        synchronized (this) {
            wasCurrent = current == session;
            if (wasCurrent) {
                current = null;
            }
        }
        AgentLog.info("tunnel from " + peer + " detached (" + reason + ")"
                + (wasCurrent ? "; new connections go to the app" : ""));
    }

    void close() {
        TunnelSession session;
        synchronized (this) {
            session = current;
        }
        if (session != null) {
            session.close("agent shutting down");
        }
    }
}

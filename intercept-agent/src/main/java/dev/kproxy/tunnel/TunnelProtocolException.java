package dev.kproxy.tunnel;

import java.io.IOException;

/** The peer broke the tunnel protocol; the message is the one-line GOAWAY reason sent back. */
public final class TunnelProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public TunnelProtocolException(String reason) {
        super(reason);
    }
}

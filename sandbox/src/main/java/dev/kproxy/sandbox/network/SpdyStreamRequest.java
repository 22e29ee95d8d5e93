package dev.kproxy.sandbox.network;

import io.netty.handler.codec.spdy.SpdyHeaders;

/**
 * What one port-forward SYN_STREAM asks for, checked as the kubelet checks it
 * (kubelet/pkg/cri/streaming/portforward/httpstream.go {@code httpStreamReceived} and
 * {@code requestID}): a {@code streamtype} of {@code error} or {@code data}, a {@code port} from 1
 * to 65535, and the {@code requestid} that pairs the two streams of one forwarded connection.
 */
record SpdyStreamRequest(int streamId, Type type, int port, String requestId) {

    enum Type { ERROR, DATA }

    /**
     * The request, or {@link Rejected} with the kubelet's wording. A client that sends no
     * {@code requestid} (clients before Kubernetes 1.4) gets the kubelet's best-effort pairing: the
     * error stream's own id, and the data stream's id minus 2.
     */
    static SpdyStreamRequest parse(int streamId, SpdyHeaders headers) {
        String portText = headers.getAsString("port");
        if (portText == null || portText.isEmpty()) {
            throw new Rejected("\"port\" header is required");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new Rejected("unable to parse \"" + portText + "\" as a port: invalid syntax");
        }
        if (port < 0 || port > 65535) {
            throw new Rejected("unable to parse \"" + portText + "\" as a port: value out of range");
        }
        if (port < 1) {
            throw new Rejected("port \"" + portText + "\" must be > 0");
        }
        String typeText = headers.getAsString("streamtype");
        if (typeText == null || typeText.isEmpty()) {
            throw new Rejected("\"streamType\" header is required");
        }
        Type type = switch (typeText) {
            case "error" -> Type.ERROR;
            case "data" -> Type.DATA;
            default -> throw new Rejected("invalid stream type \"" + typeText + "\"");
        };
        String requestId = headers.getAsString("requestid");
        if (requestId == null || requestId.isEmpty()) {
            requestId = Integer.toString(type == Type.ERROR ? streamId : streamId - 2);
        }
        return new SpdyStreamRequest(streamId, type, port, requestId);
    }

    /** A stream the kubelet rejects (spdystream resets it instead of replying). */
    static final class Rejected extends RuntimeException {
        Rejected(String message) {
            super(message, null, false, false);
        }
    }
}

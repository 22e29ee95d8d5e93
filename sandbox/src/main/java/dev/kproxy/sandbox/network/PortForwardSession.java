package dev.kproxy.sandbox.network;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * One upgraded port-forward WebSocket: the stream pairs of kubelet's {@code websocketStreamHandler}
 * (kubelet/pkg/cri/streaming/portforward/websocket.go), one {@link PodConnection} per requested
 * port, and the flow control between them. Everything runs on the WebSocket's event loop.
 *
 * <p>Close semantics follow a real cluster: the pod closing its side ends that port's stream; once
 * every port's stream has ended the server closes the WebSocket with 1000 after what it already
 * read from the pod has been sent (as wsstream.Conn.Close does). The client closing the WebSocket
 * closes every pod socket. There is no half-close in the v4 protocols.
 *
 * <p>Backpressure: the WebSocket is read only while every open pod socket can take more (and the
 * delayed bytes toward the pods stay under {@link #PENDING_LIMIT}); pod sockets are read only while
 * the WebSocket can take more. Memory per session is therefore bounded by Netty's write-buffer
 * water marks, one read batch, the aggregator limit and the latency queues.
 */
final class PortForwardSession {
    /** Bytes a latency queue may hold before its source is paused. */
    static final long PENDING_LIMIT = 1L << 20;

    private final Channel ws;
    private final PodTarget pod;
    private final ChannelFraming framing;
    private final PortForwardCounters counters;
    private final PortForwardProtocol protocol;
    private final List<PodConnection> connections = new ArrayList<>();
    private final LatencyInjector toPod;
    private final LatencyInjector toClient;
    private boolean closing;

    PortForwardSession(Channel ws, PodTarget pod, PortForwardRequest request, PortForwardProtocol protocol,
                       PortForwardCounters counters, Duration latency) {
        this.ws = ws;
        this.pod = pod;
        this.protocol = protocol;
        this.counters = counters;
        this.framing = new ChannelFraming(protocol, request.ports().size() * 2);
        for (int i = 0; i < request.ports().size(); i++) {
            connections.add(new PodConnection(i, request.ports().get(i)));
        }
        Duration oneWay = latency.dividedBy(2);
        this.toPod = new LatencyInjector(ws.eventLoop(), oneWay, this::refreshFlow);
        this.toClient = new LatencyInjector(ws.eventLoop(), oneWay, this::refreshFlow);
    }

    /**
     * Right after the 101: the port as uint16 little-endian once on each port's data and error
     * channel (websocket.go {@code handleWebSocketStreams}), then one dial per port.
     */
    void start() {
        counters.upgraded(protocol.label());
        for (PodConnection c : connections) {
            counters.streamOpened(pod.namespace(), pod.name(), protocol.label());
            sendFrame(c.dataChannel(), portPrefix(c.port()));
            sendFrame(c.errorChannel(), portPrefix(c.port()));
        }
        ws.flush();
        for (PodConnection c : connections) {
            c.dial(ws.eventLoop(), pod.podIp(), this, connect -> {
                if (connect.isSuccess()) {
                    c.opened(connect.getNow());
                    if (closing) {
                        c.closeAfterFlush();
                    }
                    refreshFlow();
                } else {
                    dialFailed(c, connect.cause());
                }
            });
        }
        refreshFlow();
    }

    private ByteBuf portPrefix(int port) {
        return ws.alloc().buffer(2).writeShortLE(port);
    }

    private void dialFailed(PodConnection c, Throwable cause) {
        String message = c.dialError(pod, cause);
        c.finish();
        counters.streamClosed(pod.namespace(), pod.name());
        toClient.submit(message.length(), () -> {
            sendFrame(c.errorChannel(), Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
            ws.flush();
            closeIfAllFinished();
        });
        refreshFlow();
    }

    /** A whole client message; the frame is released by the caller. */
    void fromClient(WebSocketFrame frame) {
        if (closing) {
            return;
        }
        ChannelFraming.Message m;
        try {
            m = framing.decode(frame);
        } catch (ChannelFraming.Malformed e) {
            protocolError(WebSocketCloseStatus.PROTOCOL_ERROR, e.getMessage());
            return;
        }
        if (m.channel() % 2 == 1) {
            // The error channel is write-only for the server (wsstream.WriteChannel): the kubelet discards input on it.
            m.payload().release();
            return;
        }
        PodConnection c = connections.get(m.channel() / 2);
        ByteBuf payload = m.payload();
        int bytes = payload.readableBytes();
        toPod.submit(bytes, () -> {
            if (c.state() == PodConnection.State.FINISHED) {
                payload.release();
                return;
            }
            counters.clientToPod(pod.namespace(), pod.name(), bytes);
            c.write(payload);
        });
        refreshFlow();
    }

    /** Bytes the pod sent; takes ownership of {@code buf}. */
    void fromPod(PodConnection c, ByteBuf buf) {
        int bytes = buf.readableBytes();
        counters.podToClient(pod.namespace(), pod.name(), bytes);
        toClient.submit(bytes, () -> {
            sendFrame(c.dataChannel(), buf);
            ws.flush();
        });
        refreshFlow();
    }

    /** The pod socket closed: the stream ends once everything read before it reached the client. */
    void podClosed(PodConnection c) {
        toClient.submit(0, () -> {
            if (c.finish()) {
                counters.streamClosed(pod.namespace(), pod.name());
            }
            closeIfAllFinished();
        });
        refreshFlow();
    }

    /** A close frame from the client: answer it, then the socket closes and {@link #clientGone()} ends the pods. */
    void clientClosed() {
        closeWebSocket(WebSocketCloseStatus.NORMAL_CLOSURE, "");
    }

    /** The WebSocket is gone: each pod socket closes after the client bytes already accepted reach it. */
    void clientGone() {
        closing = true;
        for (PodConnection c : connections) {
            toPod.submit(0, c::closeAfterFlush);
        }
    }

    /** A client message that breaks the protocol closes this WebSocket only. */
    void protocolError(WebSocketCloseStatus status, String reason) {
        closeWebSocket(status, reason);
    }

    private void closeIfAllFinished() {
        for (PodConnection c : connections) {
            if (c.state() != PodConnection.State.FINISHED) {
                return;
            }
        }
        closeWebSocket(WebSocketCloseStatus.NORMAL_CLOSURE, "");
    }

    private void closeWebSocket(WebSocketCloseStatus status, String reason) {
        if (closing) {
            return;
        }
        closing = true;
        ws.config().setAutoRead(false);
        // A close reason is at most 123 bytes (RFC 6455 section 5.5).
        String shortReason = reason.length() > 120 ? reason.substring(0, 120) : reason;
        ws.writeAndFlush(new CloseWebSocketFrame(status.code(), shortReason)).addListener(ChannelFutureListener.CLOSE);
    }

    private void sendFrame(int channel, ByteBuf payload) {
        if (!ws.isActive()) {
            payload.release();
            return;
        }
        ws.write(framing.encode(ws.alloc(), channel, payload), ws.voidPromise());
    }

    /** Re-derives which side may be read from the writability of the other side and the latency queues. */
    void refreshFlow() {
        boolean podsAccept = !closing && toPod.pendingBytes() <= PENDING_LIMIT;
        for (PodConnection c : connections) {
            if (c.state() == PodConnection.State.DIALING
                    || (c.state() == PodConnection.State.OPEN && !c.channel().isWritable())) {
                podsAccept = false;
            }
        }
        if (ws.isActive()) {
            ws.config().setAutoRead(podsAccept);
        }
        boolean clientAccepts = ws.isActive() && ws.isWritable() && toClient.pendingBytes() <= PENDING_LIMIT;
        for (PodConnection c : connections) {
            if (c.state() == PodConnection.State.OPEN && c.channel().isActive()) {
                c.channel().config().setAutoRead(clientAccepts);
            }
        }
    }
}

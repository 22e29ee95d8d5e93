package dev.kproxy.sandbox.network;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Supplier;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.concurrent.Future;

/**
 * One forwarded TCP connection of a SPDY port-forward: the error and data streams that share a
 * {@code requestid} (kubelet/pkg/cri/streaming/portforward/httpstream.go {@code httpStreamPair})
 * and the socket into the pod. Holds the state of both directions; {@link SpdyPortForwardSession}
 * decides what happens. Confined to the connection's event loop.
 */
final class SpdyStreamPair {
    enum State {
        /** One of the two streams has arrived. */
        WAITING,
        /** Both streams are here and the pod is being dialled. */
        DIALING,
        OPEN,
        ENDED
    }

    private final String requestId;
    private int errorStreamId;
    private int dataStreamId;
    private int port;
    private State state = State.WAITING;
    private Channel pod;
    private final List<ByteBuf> early = new ArrayList<>();
    private long earlyBytes;
    private ScheduledFuture<?> creationTimeout;
    private boolean counted;
    private boolean podOutputFinished;

    /** The client sent FIN on the data stream: nothing more goes to the pod. */
    boolean clientFinished;
    /** The pod side is over (EOF, closed, or never reached): nothing more comes from the pod. */
    boolean podFinished;
    boolean dataFinSent;
    boolean errorFinSent;
    boolean dataReset;
    boolean errorReset;

    SpdyStreamPair(String requestId) {
        this.requestId = requestId;
    }

    String requestId() {
        return requestId;
    }

    int errorStreamId() {
        return errorStreamId;
    }

    int dataStreamId() {
        return dataStreamId;
    }

    /** The pod port: the data stream's, as the kubelet uses. */
    int port() {
        return port;
    }

    State state() {
        return state;
    }

    /** Adds a stream; false when this pair already has one of that type. */
    boolean add(SpdyStreamRequest stream) {
        if (stream.type() == SpdyStreamRequest.Type.ERROR) {
            if (errorStreamId != 0) {
                return false;
            }
            errorStreamId = stream.streamId();
            if (port == 0) {
                port = stream.port();
            }
        } else {
            if (dataStreamId != 0) {
                return false;
            }
            dataStreamId = stream.streamId();
            port = stream.port();
        }
        return true;
    }

    boolean complete() {
        return errorStreamId != 0 && dataStreamId != 0;
    }

    void creationTimeout(ScheduledFuture<?> timeout) {
        this.creationTimeout = timeout;
    }

    /** Dials {@code podIp:port} on {@code loop}; the pod socket allows half-closure, so its FIN can end one direction only. */
    Future<Channel> dial(EventLoop loop, String podIp, Supplier<ChannelHandler> handler) {
        state = State.DIALING;
        creationTimeout.cancel(false);
        counted = true;
        return PodDialer.dial(loop, podIp, port, handler, true);
    }

    /** The dial succeeded: what the client sent meanwhile goes out, and its FIN if it came. */
    void opened(Channel ch) {
        if (state != State.DIALING) {
            ch.close();
            return;
        }
        state = State.OPEN;
        pod = ch;
        for (ByteBuf b : early) {
            ch.write(b);
        }
        early.clear();
        earlyBytes = 0;
        ch.flush();
        if (podOutputFinished) {
            finishPodOutput();
        }
    }

    /** Client bytes for the pod; takes ownership of {@code payload}. */
    void writeToPod(ByteBuf payload) {
        switch (state) {
            case OPEN -> {
                if (pod.isActive()) {
                    pod.writeAndFlush(payload, pod.voidPromise());
                } else {
                    payload.release();
                }
            }
            case WAITING, DIALING -> {
                early.add(payload);
                earlyBytes += payload.readableBytes();
            }
            case ENDED -> payload.release();
        }
    }

    /**
     * The client's FIN, delivered after every byte before it: it reaches the pod as a FIN once
     * those bytes have been written (at once when open, else when the dial succeeds).
     */
    void finishPodOutput() {
        podOutputFinished = true;
        if (state == State.OPEN && pod.isActive()) {
            pod.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                if (pod.isActive()) {
                    ((DuplexChannel) pod).shutdownOutput();
                }
            });
        }
    }

    /** Client bytes held while dialling; the connection stops being read while this is large. */
    long earlyBytes() {
        return earlyBytes;
    }

    /** The pod socket, or null before the dial succeeded. */
    Channel pod() {
        return pod;
    }

    /** Marks the pair ended; true only the first time for a pair that was counted as opened. */
    boolean end() {
        boolean wasCounted = counted && state != State.ENDED;
        state = State.ENDED;
        if (creationTimeout != null) {
            creationTimeout.cancel(false);
        }
        early.forEach(ByteBuf::release);
        early.clear();
        earlyBytes = 0;
        return wasCounted;
    }

    /** Closes the pod socket once what was written to it has gone out. */
    void closePod() {
        if (pod != null && pod.isActive()) {
            pod.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (pod != null) {
            pod.close();
        }
    }
}

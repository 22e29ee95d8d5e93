package dev.kproxy.sandbox.network;

import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;

/**
 * The TCP connection into the pod for one forwarded port (data channel 2i, error channel 2i+1).
 * Confined to the WebSocket's event loop, as the runtime's two io.Copy goroutines are confined to
 * one stream pair.
 */
final class PodConnection {
    enum State { DIALING, OPEN, FINISHED }

    private final int index;
    private final int port;
    private final List<ByteBuf> early = new ArrayList<>();
    private State state = State.DIALING;
    private Channel channel;
    private boolean counted;

    PodConnection(int index, int port) {
        this.index = index;
        this.port = port;
    }

    int port() {
        return port;
    }

    int dataChannel() {
        return 2 * index;
    }

    int errorChannel() {
        return 2 * index + 1;
    }

    State state() {
        return state;
    }

    /** The pod channel, or null before the dial succeeded. */
    Channel channel() {
        return channel;
    }

    /** Dials {@code podIp:port}; {@code onResult} runs on the event loop with the connect future. */
    void dial(EventLoop loop, String podIp, PortForwardSession session, GenericFutureListener<Future<Channel>> onResult) {
        PodDialer.dial(loop, podIp, port, () -> new PodToWebSocket(session, this), false).addListener(onResult);
    }

    void opened(Channel ch) {
        if (state != State.DIALING) {
            ch.close();
            return;
        }
        state = State.OPEN;
        channel = ch;
        for (ByteBuf b : early) {
            ch.write(b);
        }
        early.clear();
        ch.flush();
    }

    /** Writes client bytes to the pod; takes ownership of {@code payload}. */
    void write(ByteBuf payload) {
        switch (state) {
            case OPEN -> channel.writeAndFlush(payload, channel.voidPromise());
            case DIALING -> early.add(payload);
            case FINISHED -> payload.release();
        }
    }

    /** Marks the stream finished; true only the first time, so it is counted closed once. */
    boolean finish() {
        state = State.FINISHED;
        early.forEach(ByteBuf::release);
        early.clear();
        if (counted) {
            return false;
        }
        counted = true;
        return true;
    }

    /** Closes the pod socket once what was written to it has gone out. */
    void closeAfterFlush() {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else if (channel != null) {
            channel.close();
        }
    }

    /** The kubelet's wording for a failed dial of this port. */
    String dialError(PodTarget pod, Throwable cause) {
        return PodDialError.text(pod, port, cause);
    }
}

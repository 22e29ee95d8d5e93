package dev.kproxy.sandbox.network;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The TCP connection into the pod for one forwarded port (data channel 2i, error channel 2i+1).
 * Confined to the WebSocket's event loop, as the runtime's two io.Copy goroutines are confined to
 * one stream pair.
 */
final class PodConnection {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

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
    void dial(EventLoop loop, String podIp, PortForwardSession session, ChannelFutureListener onResult) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(new PodToWebSocket(session, this));
        ChannelFuture connect = bootstrap.connect(new InetSocketAddress(podIp, port));
        connect.addListener(onResult);
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

    /**
     * The kubelet's wording for a failed dial: kubelet/pkg/cri/streaming/portforward/websocket.go
     * wraps containerd's internal/cri/server/sandbox_portforward_linux.go error. The sandbox dials
     * the pod IP over IPv4 only, so the IPv6 part says what Go says when there is no v6 address.
     */
    String dialError(PodTarget pod, Throwable cause) {
        String netns = "/var/run/netns/cni-" + pod.uid();
        return "error forwarding port " + port + " to pod " + pod.uid() + ", uid : failed to execute portforward in network namespace \""
                + netns + "\": failed to connect to localhost:" + port + " inside namespace \"" + pod.uid() + "\", IPv4: dial tcp4 "
                + pod.podIp() + ":" + port + ": " + goStyle(cause) + " IPv6 dial tcp6: address localhost: no suitable address found ";
    }

    private static String goStyle(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (cause instanceof ConnectTimeoutException || root instanceof ConnectTimeoutException) {
            return "i/o timeout";
        }
        if (cause instanceof ConnectException || root instanceof ConnectException) {
            String m = String.valueOf(root.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("refused")) {
                return "connect: connection refused";
            }
            return "connect: " + m;
        }
        return String.valueOf(root.getMessage());
    }
}

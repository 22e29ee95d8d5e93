package dev.kproxy.k8s;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * How a TCP-like connection to a pod port is carried over the API server's {@code pods/portforward}.
 * Everything that reaches pods (the proxy port, intercept tunnels, the Java agent's listeners) goes
 * through this one seam, so a faster transport helps all of them.
 *
 * <p>{@link #open} hands over a channel that looks like a socket: write and read {@code ByteBuf}s,
 * backpressure through {@code isWritable()}/autoRead, {@code close()} ends the connection. It comes
 * with <b>autoRead off</b>: add your handlers, then set autoRead or call {@code read()}. A runtime
 * error later (nothing listening on the port, ...) arrives as a {@link PortForwardException} through
 * {@code exceptionCaught}, and {@link PortForwardDialer#FAILURE} holds it.
 */
public interface PortForwardTransport extends AutoCloseable {

    /**
     * Opens a connection to {@code port} of the pod; the future completes on {@code loop}, and the
     * channel lives on {@code loop} too, so a caller relaying it to a channel of its own on that
     * loop never crosses threads.
     */
    Future<Channel> open(String namespace, String pod, int port, EventLoop loop);

    /** Opens on whichever of the transport's event loops suits it (on a multiplexed transport: one that already serves the pod). */
    Future<Channel> open(String namespace, String pod, int port);

    /** Connections currently open (connecting ones included). */
    int openChannels();

    /** What carries the connections, for {@code kproxy status} (e.g. {@code websocket}). */
    String describe();

    @Override
    void close();
}

package dev.kproxy.k8s.spdy;

import dev.kproxy.k8s.PortForwardDialer;
import dev.kproxy.k8s.PortForwardException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.DuplexChannel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * One port-forward connection carried as a SPDY stream pair (data + error) on a shared upgraded
 * connection, as a Netty channel that behaves like a socket: it lives on the connection's event
 * loop, reads what the pod sent on the data stream, and writes DATA frames.
 *
 * <p><b>Reading</b>: frames arrive whether or not anyone reads (kubelets and kubectl do no SPDY flow
 * control), so they queue here until the channel reads (autoRead or {@code read()}). A queue past
 * {@link SpdyConnection#STREAM_BUFFER_BYTES} asks the connection to stop reading the socket (TCP
 * backpressure to the pod), until it has drained to half: a slow reader holds others only once it
 * is that far behind. <b>Writing</b>: bytes handed to the connection but not yet on its socket count
 * against this stream; past {@link SpdyConnection#STREAM_WRITE_HIGH} the channel turns unwritable.
 *
 * <p><b>Half-close</b>: {@code shutdownOutput()} sends an empty DATA frame with FIN; the pod's FIN is
 * an input shutdown ({@link ChannelInputShutdownEvent}) when ALLOW_HALF_CLOSURE is set, else a
 * close. {@code close()} resets what is still open (RST_STREAM CANCEL), which the kubelet takes as
 * "stop and close the pod socket".
 */
final class SpdyStreamChannel extends AbstractChannel implements DuplexChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false, 16);

    private final SpdyConnection connection;
    private final StreamConfig config = new StreamConfig(this);
    private final InetSocketAddress remote;
    final int errorStreamId;
    final int dataStreamId;
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
    private final StringBuilder errorText = new StringBuilder();
    private long queuedBytes;
    private long unsentBytes;
    private boolean open = true;
    private boolean readPending;
    private boolean delivering;
    private boolean remoteFinished;
    private boolean inputShutdown;
    private boolean outputShutdown;
    private boolean errorFinished;
    private boolean pausing;
    private boolean handedOver;

    SpdyStreamChannel(SpdyConnection connection, Channel parent, int errorStreamId, int dataStreamId, String target, int port) {
        super(parent);
        this.connection = connection;
        this.errorStreamId = errorStreamId;
        this.dataStreamId = dataStreamId;
        this.remote = InetSocketAddress.createUnresolved(target, port);
    }

    // ---- called by SpdyConnection, on the event loop ----

    /** The data stream's SYN_REPLY arrived: from now on the caller owns the channel. */
    void handedOver() {
        handedOver = true;
    }

    void dataReceived(ByteBuf payload, boolean fin) {
        if (!open || inputShutdown || remoteFinished) {
            payload.release();
        } else if (payload.isReadable()) {
            inbound.add(payload);
            queuedBytes += payload.readableBytes();
            if (queuedBytes > SpdyConnection.STREAM_BUFFER_BYTES && !pausing) {
                pausing = true;
                connection.pause(this);
            }
        } else {
            payload.release();
        }
        if (fin) {
            remoteFinished = true;
        }
        if (readPending) {
            deliver();
        }
    }

    /** Text on the error stream; a FIN ends it and non-empty text fails the connection (kubectl does the same). */
    void errorReceived(ByteBuf payload, boolean fin) {
        errorText.append(payload.toString(StandardCharsets.UTF_8));
        payload.release();
        if (fin) {
            errorFinished = true;
            String text = errorText.toString().strip();
            if (!text.isEmpty()) {
                fail(new PortForwardException(PortForwardException.Kind.REMOTE_ERROR, text));
            } else if (readPending) {
                deliver();
            } else {
                closeIfDone();
            }
        }
    }

    /** The connection under this stream ended, or the server reset the stream. */
    void fail(PortForwardException failure) {
        attr(PortForwardDialer.FAILURE).setIfAbsent(failure);
        if (!open) {
            return;
        }
        if (handedOver && isRegistered()) {
            pipeline().fireExceptionCaught(failure);
        }
        close();
    }

    /** Bytes written earlier reached the connection's socket. */
    void sent(int bytes) {
        unsentBytes -= bytes;
        if (unsentBytes < SpdyConnection.STREAM_WRITE_LOW && isRegistered()) {
            ChannelOutboundBuffer buffer = unsafe().outboundBuffer();
            if (buffer != null && !buffer.getUserDefinedWritability(1)) {
                buffer.setUserDefinedWritability(1, true);
            }
        }
    }

    private void deliver() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            boolean again;
            do {
                boolean delivered = false;
                ByteBuf next;
                while (readPending && (next = inbound.poll()) != null) {
                    queuedBytes -= next.readableBytes();
                    delivered = true;
                    pipeline().fireChannelRead(next);
                    if (!config.isAutoRead()) {
                        readPending = false;
                    }
                }
                if (delivered) {
                    pipeline().fireChannelReadComplete();
                }
                // A reader with autoRead off asks for the next read from channelReadComplete; that
                // read() lands here while delivering, so serve it now: when the connection is held
                // for this very stream, no new frame would ever come to call deliver() again.
                again = delivered && readPending && !inbound.isEmpty() && open;
            } while (again);
            if (pausing && queuedBytes <= SpdyConnection.STREAM_BUFFER_BYTES / 2) {
                pausing = false;
                connection.resume(this);
            }
            // EOF only once the error stream ended too: the kubelet writes a failure there before
            // it FINs the data stream, and a failure must not look like a clean end.
            if (inbound.isEmpty() && remoteFinished && errorFinished && !inputShutdown && open && readPending) {
                endOfInput();
            }
        } finally {
            delivering = false;
        }
    }

    private void endOfInput() {
        if (config.allowHalfClosure()) {
            inputShutdown = true;
            pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
            pipeline().fireUserEventTriggered(ChannelInputShutdownReadComplete.INSTANCE);
            closeIfDone();
        } else {
            close();
        }
    }

    /** Both directions finished and the error stream ended: nothing is left to reset. */
    private void closeIfDone() {
        if (open && inputShutdown && outputShutdown && errorFinished) {
            close();
        }
    }

    // ---- Channel ----

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remoteAddress, SocketAddress localAddress, ChannelPromise promise) {
                promise.setFailure(new UnsupportedOperationException("a port-forward stream is opened by its transport"));
            }
        };
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true;
    }

    @Override
    protected SocketAddress localAddress0() {
        return parent().localAddress();
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected void doBind(SocketAddress localAddress) {
        throw new UnsupportedOperationException("a port-forward stream cannot be bound");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        ByteBuf buf;
        while ((buf = inbound.poll()) != null) {
            buf.release();
        }
        if (pausing) {
            pausing = false;
            connection.resume(this);
        }
        connection.streamClosed(this, !(remoteFinished && outputShutdown), !errorFinished);
    }

    @Override
    protected void doBeginRead() {
        if (!open) {
            return;
        }
        readPending = true;
        deliver();
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) {
        Object msg;
        boolean wrote = false;
        while ((msg = in.current()) != null) {
            if (outputShutdown) {
                in.remove(new ClosedChannelException());
                continue;
            }
            if (!(msg instanceof ByteBuf buf)) {
                in.remove(new UnsupportedOperationException("a port-forward stream carries ByteBufs, not " + msg.getClass().getSimpleName()));
                continue;
            }
            int bytes = buf.readableBytes();
            if (bytes > 0) {
                unsentBytes += bytes;
                connection.writeData(this, buf.retain(), false);
                wrote = true;
            }
            in.remove();
        }
        if (unsentBytes > SpdyConnection.STREAM_WRITE_HIGH) {
            in.setUserDefinedWritability(1, false);
        }
        if (wrote) {
            connection.flush();
        }
    }

    @Override
    protected void doShutdownOutput() {
        if (!outputShutdown) {
            outputShutdown = true;
            connection.writeData(this, parent().alloc().buffer(0), true);
            connection.flush();
            eventLoop().execute(this::closeIfDone);
        }
    }

    // ---- DuplexChannel ----

    @Override
    public boolean isInputShutdown() {
        return inputShutdown || !open;
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return onLoop(promise, () -> {
            inputShutdown = true;
            ByteBuf buf;
            while ((buf = inbound.poll()) != null) {
                queuedBytes -= buf.readableBytes();
                buf.release();
            }
            promise.trySuccess();
        });
    }

    @Override
    public boolean isOutputShutdown() {
        return outputShutdown || !open;
    }

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        return onLoop(promise, () -> ((AbstractUnsafe) unsafe()).shutdownOutput(promise));
    }

    @Override
    public boolean isShutdown() {
        return isInputShutdown() && isOutputShutdown();
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        ChannelPromise output = newPromise();
        shutdownOutput(output);
        output.addListener(f -> shutdownInput(promise));
        return promise;
    }

    private ChannelFuture onLoop(ChannelPromise promise, Runnable action) {
        if (eventLoop().inEventLoop()) {
            action.run();
        } else {
            eventLoop().execute(action);
        }
        return promise;
    }

    @Override
    public String toString() {
        return "spdy-stream(" + remote.getHostString() + ":" + remote.getPort() + ", streams " + errorStreamId + "/" + dataStreamId
                + " on " + parent() + ")";
    }
}

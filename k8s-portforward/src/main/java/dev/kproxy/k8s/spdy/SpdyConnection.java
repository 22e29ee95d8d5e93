package dev.kproxy.k8s.spdy;

import dev.kproxy.k8s.PortForwardDialer;
import dev.kproxy.k8s.PortForwardException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The client side of one upgraded port-forward connection (plain SPDY/3.1 or tunnelled in a
 * WebSocket), the last handler behind Netty's {@link SpdyFrameCodec}. It opens stream pairs the way
 * kubectl does (client-go tools/portforward/portforward.go {@code handleConnection}): an error
 * stream ({@code streamtype: error}, FIN at once: the client never writes to it), then a data
 * stream ({@code streamtype: data}), both with the same {@code port} and {@code requestid}; the
 * kubelet pairs them by {@code requestid}. Each pair is one {@link SpdyStreamChannel}.
 *
 * <p>Both SYN_STREAMs go out together. The first pair on a connection is handed over on the data
 * stream's SYN_REPLY; later pairs at once (no round trip), where kubectl waits for two.
 *
 * <p>There is no SPDY flow control on this path (kubectl and the kubelet's spdystream neither send
 * nor honour WINDOW_UPDATE), so backpressure is per stream inside this process and TCP-level on
 * the wire: see {@link SpdyStreamChannel} and docs/transport.md.
 *
 * <p>PINGs (odd ids, ours) every {@link #PING_INTERVAL} keep idle-timeout proxies from cutting
 * the connection; when neither a PING answer nor any other frame came for three intervals the
 * connection is declared dead and closed, failing its streams, so the transport dials a fresh one.
 */
final class SpdyConnection extends ChannelDuplexHandler {

    /** What one stream may hold for a slow reader before the whole connection stops reading. */
    static final long STREAM_BUFFER_BYTES = 4L << 20;
    static final long STREAM_WRITE_HIGH = 512 * 1024;
    static final long STREAM_WRITE_LOW = 128 * 1024;
    /** Largest DATA frame written; the kubelet reads frames of any size, kubectl writes 32 KiB. */
    static final int MAX_DATA_FRAME = 64 * 1024;
    static final Duration PING_INTERVAL = Duration.ofSeconds(10);
    static final Duration IDLE_CLOSE = Duration.ofSeconds(60);
    private static final byte FLAG_FIN = 0x01;

    private final Carrier carrier;
    private final String target;
    private final Map<Integer, SpdyStreamChannel> byStreamId = new HashMap<>();
    private final Map<SpdyStreamChannel, Promise<Channel>> opening = new HashMap<>();
    private final Set<SpdyStreamChannel> pausedBy = new HashSet<>();
    private ChannelHandlerContext ctx;
    private ChannelHandlerContext codec;
    private int nextStreamId = 1;
    private int nextPingId = 1;
    private long nextRequestId;
    // Read by the transport from other threads when it picks a connection; written on the event loop only.
    private volatile int streams;
    private volatile boolean goingAway;
    private volatile boolean paused;
    private volatile ChannelHandlerContext ready;
    private long idleGeneration;
    /** Whether the server has answered a SYN_STREAM on this connection. */
    private boolean answered;
    private long lastHeard = System.nanoTime();
    private ScheduledFuture<?> pinger;

    SpdyConnection(Carrier carrier, String target) {
        this.carrier = carrier;
        this.target = target;
    }

    Carrier carrier() {
        return carrier;
    }

    Channel channel() {
        return ctx.channel();
    }

    /** Open streams (pairs) on this connection; read on the connection's event loop. */
    int streams() {
        return streams;
    }

    /** Takes new streams: connected, not told to go away, not held by a slow reader. Any thread. */
    boolean accepting() {
        ChannelHandlerContext c = ready;
        return c != null && c.channel().isActive() && !goingAway && !paused && nextStreamId < Integer.MAX_VALUE - 4;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.codec = ctx.pipeline().context(SpdyFrameCodec.class);
        this.ready = ctx;
        long millis = PING_INTERVAL.toMillis();
        pinger = ctx.executor().scheduleAtFixedRate(this::ping, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Opens a stream pair to {@code port}; {@code result} completes with the channel on the data stream's SYN_REPLY. */
    void open(int port, Promise<Channel> result) {
        if (!accepting()) {
            result.tryFailure(new ConnectionGone("the port-forward connection stopped taking streams"));
            return;
        }
        int errorId = nextStreamId;
        int dataId = nextStreamId + 2;
        nextStreamId += 4;
        String requestId = Long.toString(nextRequestId++);
        SpdyStreamChannel stream = new SpdyStreamChannel(this, ctx.channel(), errorId, dataId, target, port);
        ctx.channel().eventLoop().register(stream);
        byStreamId.put(errorId, stream);
        byStreamId.put(dataId, stream);
        opening.put(stream, result);
        streams++;
        idleGeneration++;
        ctx.write(synStream(errorId, "error", port, requestId, true));
        ctx.writeAndFlush(synStream(dataId, "data", port, requestId, false));
        result.addListener(f -> {
            if (f.isCancelled()) {
                stream.close();
            }
        });
        // SPDY lets DATA follow a SYN_STREAM at once, so on a connection whose server has already
        // answered a stream the channel is handed over now, saving the round trip to the SYN_REPLY
        // (about a fifth of an open against the sandbox). A stream the server then refuses ends
        // like one whose pod port refuses, which also shows only after the SYN_REPLY. The first
        // stream of a connection still waits: its reply is what shows the server takes streams.
        if (answered) {
            handOver(stream);
        }
    }

    private static SpdySynStreamFrame synStream(int id, String type, int port, String requestId, boolean fin) {
        SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        // Lowercase names, as kubectl sends them (SPDY/3 header names are lowercase on the wire).
        syn.headers().set("streamtype", type);
        syn.headers().set("port", Integer.toString(port));
        syn.headers().set("requestid", requestId);
        syn.setLast(fin);
        return syn;
    }

    /** A DATA frame (SPDY/3.1 2.2.2) written below the codec: our 8-byte header, then the caller's buffer as it is. */
    void writeData(SpdyStreamChannel stream, ByteBuf data, boolean fin) {
        if (!ctx.channel().isActive()) {
            data.release();
            return;
        }
        do {
            int length = Math.min(data.readableBytes(), MAX_DATA_FRAME);
            boolean last = data.readableBytes() <= MAX_DATA_FRAME;
            ByteBuf payload = last ? data : data.readRetainedSlice(length);
            ByteBuf header = ctx.alloc().ioBuffer(8);
            header.writeInt(stream.dataStreamId & 0x7FFFFFFF);
            header.writeInt(((fin && last ? FLAG_FIN : 0) << 24) | length);
            ChannelPromise promise = ctx.newPromise();
            promise.addListener(f -> stream.sent(length));
            codec.write(ctx.alloc().compositeDirectBuffer(2).addComponents(true, header, payload), promise);
            if (last) {
                break;
            }
        } while (true);
    }

    void flush() {
        ctx.flush();
    }

    /** A stream holds more than its share for a slow reader: stop reading the socket until it drained. */
    void pause(SpdyStreamChannel stream) {
        pausedBy.add(stream);
        paused = true;
        ctx.channel().config().setAutoRead(false);
    }

    void resume(SpdyStreamChannel stream) {
        if (pausedBy.remove(stream) && pausedBy.isEmpty()) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** The stream channel closed: reset whatever is still open of its pair, forget it. */
    void streamClosed(SpdyStreamChannel stream, boolean resetData, boolean resetError) {
        if (byStreamId.remove(stream.dataStreamId) == null) {
            return;
        }
        byStreamId.remove(stream.errorStreamId);
        streams--;
        if (streams == 0) {
            if (goingAway) {
                ctx.close();
            } else {
                scheduleIdleClose();
            }
        }
        Promise<Channel> pending = opening.remove(stream);
        if (pending != null) {
            PortForwardException failure = stream.attr(PortForwardDialer.FAILURE).get();
            pending.tryFailure(failure != null ? failure : new ConnectionGone("the port-forward stream closed before the API server answered it"));
        }
        if (ctx.channel().isActive()) {
            if (resetData) {
                ctx.write(new DefaultSpdyRstStreamFrame(stream.dataStreamId, SpdyStreamStatus.CANCEL));
            }
            if (resetError) {
                ctx.write(new DefaultSpdyRstStreamFrame(stream.errorStreamId, SpdyStreamStatus.CANCEL));
            }
            ctx.flush();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastHeard = System.nanoTime();
        if (msg instanceof SpdyDataFrame data) {
            SpdyStreamChannel stream = byStreamId.get(data.streamId());
            if (stream == null) {
                data.release(); // late frames of a stream we already closed
            } else if (data.streamId() == stream.dataStreamId) {
                stream.dataReceived(data.content(), data.isLast());
            } else {
                stream.errorReceived(data.content(), data.isLast());
            }
            return;
        }
        try {
            if (msg instanceof SpdySynReplyFrame reply) {
                SpdyStreamChannel stream = byStreamId.get(reply.streamId());
                if (stream != null && reply.streamId() == stream.dataStreamId) {
                    answered = true;
                    handOver(stream);
                }
                if (stream != null && reply.isLast()) {
                    if (reply.streamId() == stream.dataStreamId) {
                        stream.dataReceived(ctx.alloc().buffer(0), true);
                    } else {
                        stream.errorReceived(ctx.alloc().buffer(0), true);
                    }
                }
            } else if (msg instanceof SpdyRstStreamFrame rst) {
                SpdyStreamChannel stream = byStreamId.get(rst.streamId());
                if (stream != null) {
                    stream.fail(new PortForwardException(PortForwardException.Kind.PROTOCOL,
                            "the API server reset the port-forward stream to " + target + ": " + rst.status()));
                }
            } else if (msg instanceof SpdyPingFrame ping) {
                if ((ping.id() & 1) == 0) {
                    ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id())); // the server's: echo it (SPDY/3.1 2.6.5)
                }
            } else if (msg instanceof SpdyGoAwayFrame) {
                goingAway = true; // streams already open continue; new ones go to another connection
                if (streams == 0) {
                    ctx.close();
                }
            } else if (msg instanceof SpdySynStreamFrame push) {
                ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(push.streamId(), SpdyStreamStatus.REFUSED_STREAM));
            }
            // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do without flow control.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** An idle connection goes after {@link #IDLE_CLOSE} so that pods seen once do not keep one open forever. */
    private void scheduleIdleClose() {
        long at = ++idleGeneration;
        ctx.executor().schedule(() -> {
            if (streams == 0 && idleGeneration == at && ctx.channel().isActive()) {
                goingAway = true;
                goAway();
            }
        }, IDLE_CLOSE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void handOver(SpdyStreamChannel stream) {
        Promise<Channel> result = opening.remove(stream);
        if (result == null) {
            return;
        }
        stream.handedOver();
        if (!result.trySuccess(stream)) {
            stream.close();
        }
    }

    private void ping() {
        if (System.nanoTime() - lastHeard > 3 * PING_INTERVAL.toNanos()) {
            failAll(new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                    "the port-forward connection to " + target + " stopped answering pings"));
            ctx.close();
            return;
        }
        ctx.writeAndFlush(new DefaultSpdyPingFrame(nextPingId));
        nextPingId = nextPingId >= Integer.MAX_VALUE - 2 ? 1 : nextPingId + 2;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (pinger != null) {
            pinger.cancel(false);
        }
        failAll(new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                "the port-forward connection to " + target + " through the API server was lost"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failAll(new PortForwardException(PortForwardException.Kind.PROTOCOL,
                "the port-forward connection to " + target + " failed: " + cause.getMessage(), cause));
        ctx.close();
    }

    private void failAll(PortForwardException failure) {
        for (Promise<Channel> pending : opening.values()) {
            pending.tryFailure(new ConnectionGone(failure.getMessage()));
        }
        opening.clear();
        for (SpdyStreamChannel stream : Set.copyOf(byStreamId.values())) {
            stream.fail(failure);
        }
    }

    /** Ends the connection as kubectl does on Ctrl-C: GOAWAY, then close. */
    void goAway() {
        if (ctx != null && ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultSpdyGoAwayFrame(0)) // last server stream we accepted: none (SPDY/3.1 2.6.6)
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}

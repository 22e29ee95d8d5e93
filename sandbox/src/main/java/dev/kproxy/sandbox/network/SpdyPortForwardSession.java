package dev.kproxy.sandbox.network;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyProtocolException;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdySessionStatus;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;

/**
 * One upgraded SPDY/3.1 port-forward connection (plain or tunnelled in a WebSocket), the
 * sandbox's version of the kubelet's {@code httpStreamHandler}
 * (kubelet/pkg/cri/streaming/portforward/httpstream.go) with containerd's relay behind it. Sits
 * after Netty's {@code SpdyFrameCodec}; does its own stream handling instead of
 * {@code SpdySessionHandler}, because kubectl (moby/spdystream) never sends WINDOW_UPDATE and a
 * session that honours SPDY windows stalls after 64 KiB.
 *
 * <p>Each SYN_STREAM is answered at once with a SYN_REPLY carrying {@code :status: 200} (kubectl's
 * zlib reader cannot take an empty header block). Streams are paired by {@code requestid}; when
 * both are here the pod is dialled. A failed dial writes the kubelet's text on the error stream and
 * FINs both streams. Otherwise bytes are relayed with half-close: the client's FIN on the data
 * stream becomes {@code shutdownOutput} on the pod socket, and the pod's EOF FINs the data stream
 * and then the error stream (kubectl reads the error stream to EOF before it closes its local
 * connection, so it cannot wait for the client's FIN). The pair ends when the client has finished
 * too (FIN or RST on the data stream); the pod socket then closes. An RST from the client ends the
 * pair at once. PINGs are echoed; a GOAWAY closes the connection and every pod socket.
 *
 * <p>Backpressure is TCP-level only, as with a real kubelet: the connection is read only while
 * every pod socket can take more (and no dial is holding too many early bytes); pod sockets are
 * read only while the connection can take more. One slow reader therefore holds the whole
 * connection, every forwarded connection on it included.
 */
final class SpdyPortForwardSession extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(SpdyPortForwardSession.class);

    /** The kubelet's default streamCreationTimeout (pkg/kubelet/server/streaming DefaultConfig). */
    static final Duration STREAM_CREATION_TIMEOUT = Duration.ofSeconds(30);
    /** Client bytes a pair may hold while its pod is dialled before the connection stops being read. */
    static final long EARLY_LIMIT = 256 * 1024;

    private final PodTarget pod;
    private final SpdyMode mode;
    private final PortForwardCounters counters;
    private final LatencyLink link;
    private final Map<Integer, SpdyStreamPair> byStream = new HashMap<>();
    private final Map<String, SpdyStreamPair> byRequest = new HashMap<>();
    private ChannelHandlerContext ctx;
    private int highestStreamId;
    private boolean closing;

    /** {@code link}: the handler in front of this one that carries the injected latency (its backlog counts here). */
    SpdyPortForwardSession(PodTarget pod, SpdyMode mode, PortForwardCounters counters, LatencyLink link) {
        this.pod = pod;
        this.mode = mode;
        this.counters = counters;
        this.link = link;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == LatencyLink.DELIVERED) {
            refreshFlow();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Called once the handlers are in place: counts the upgrade and starts reading. */
    void start() {
        counters.upgraded(mode.label());
        refreshFlow();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof SpdyDataFrame data) {
            onData(data);
            return;
        }
        try {
            if (msg instanceof SpdySynStreamFrame syn) {
                onSynStream(syn);
            } else if (msg instanceof SpdyRstStreamFrame rst) {
                onRst(rst);
            } else if (msg instanceof SpdyPingFrame ping) {
                // The client's pings (every 5 s plain, 10 s tunnelled) keep its idle timer happy.
                ctx.writeAndFlush(new DefaultSpdyPingFrame(ping.id()));
            } else if (msg instanceof SpdyGoAwayFrame) {
                // kubectl sends GOAWAY when it stops, right before it closes the connection.
                closing = true;
                ctx.close();
            } else if (msg instanceof SpdySynReplyFrame reply) {
                // The sandbox never opens streams, so there is nothing to reply to.
                reset(reply.streamId(), SpdyStreamStatus.PROTOCOL_ERROR);
            }
            // SETTINGS, WINDOW_UPDATE and HEADERS change nothing here: there is no SPDY flow control.
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onSynStream(SpdySynStreamFrame syn) {
        int id = syn.streamId();
        if (closing) {
            reset(id, SpdyStreamStatus.REFUSED_STREAM);
            return;
        }
        // Client stream ids are odd and increase (SPDY/3.1 2.3.2; spdystream holds a lock from
        // choosing the id to writing the frame), so an id seen before is a broken client.
        if (id % 2 == 0 || id <= highestStreamId || syn.isInvalid() || syn.isTruncated()) {
            reset(id, SpdyStreamStatus.PROTOCOL_ERROR);
            return;
        }
        highestStreamId = Math.max(highestStreamId, id);
        SpdyStreamRequest request;
        try {
            request = SpdyStreamRequest.parse(id, syn.headers());
        } catch (SpdyStreamRequest.Rejected e) {
            // The kubelet rejects such a stream with spdystream's Reset, which sends CANCEL
            // (apimachinery/pkg/util/httpstream/spdy/connection.go newSpdyStream).
            LOG.warn("port-forward to pod {}/{}: stream rejected: {}", pod.namespace(), pod.name(), e.getMessage());
            reset(id, SpdyStreamStatus.CANCEL);
            return;
        }
        SpdyStreamPair pair = byRequest.get(request.requestId());
        if (pair == null) {
            SpdyStreamPair created = new SpdyStreamPair(request.requestId());
            created.creationTimeout(ctx.executor().schedule(() -> creationTimedOut(created),
                    STREAM_CREATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            byRequest.put(request.requestId(), created);
            pair = created;
        }
        if (!pair.add(request)) {
            LOG.warn("port-forward to pod {}/{}: error processing stream for request {}: {} stream already assigned",
                    pod.namespace(), pod.name(), request.requestId(), request.type().name().toLowerCase(java.util.Locale.ROOT));
            reset(id, SpdyStreamStatus.PROTOCOL_ERROR);
            return;
        }
        byStream.put(id, pair);
        SpdySynReplyFrame reply = new DefaultSpdySynReplyFrame(id);
        reply.headers().set(":status", "200");
        ctx.writeAndFlush(reply);
        if (syn.isLast()) {
            clientFinished(pair, id);
        }
        if (pair.complete() && pair.state() == SpdyStreamPair.State.WAITING) {
            startForwarding(pair);
        }
    }

    private void startForwarding(SpdyStreamPair pair) {
        counters.streamOpened(pod.namespace(), pod.name(), mode.label());
        pair.dial(ctx.channel().eventLoop(), pod.podIp(), () -> new PodToSpdyStream(this, pair)).addListener((Future<Channel> connect) -> {
            if (connect.isSuccess()) {
                pair.opened(connect.getNow());
                refreshFlow();
            } else {
                dialFailed(pair, connect.cause());
            }
        });
        refreshFlow();
    }

    private void dialFailed(SpdyStreamPair pair, Throwable cause) {
        String message = PodDialError.text(pod, pair.port(), cause);
        pair.podFinished = true;
        // Not when the client reset the pair meanwhile: its error stream is finished then.
        send(pair.errorStreamId(), !pair.errorReset && !pair.errorFinSent, Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        finishServerSide(pair);
        endPair(pair);
        refreshFlow();
    }

    /** Kubelet: an incomplete pair is dropped after streamCreationTimeout, with a note on its error stream. */
    private void creationTimedOut(SpdyStreamPair pair) {
        if (pair.state() != SpdyStreamPair.State.WAITING) {
            return;
        }
        String message = "(conn=" + ctx.channel().id() + ", request=" + pair.requestId() + ") timed out waiting for streams";
        send(pair.errorStreamId(), pair.errorStreamId() != 0 && !pair.errorReset, Unpooled.copiedBuffer(message, StandardCharsets.UTF_8));
        finishServerSide(pair);
        endPair(pair);
    }

    private void onData(SpdyDataFrame frame) {
        int id = frame.streamId();
        ByteBuf payload = frame.content();
        SpdyStreamPair pair = byStream.get(id);
        if (pair == null) {
            payload.release();
            // Late frames for a stream that has ended are dropped; a stream never opened is invalid (SPDY/3.1 2.4.2).
            if (id > highestStreamId) {
                reset(id, SpdyStreamStatus.INVALID_STREAM);
            }
            return;
        }
        if (id != pair.dataStreamId() || pair.clientFinished) {
            // Input on the error stream is ignored, as the kubelet never reads it.
            payload.release();
        } else {
            int bytes = payload.readableBytes();
            if (bytes > 0) {
                counters.clientToPod(pod.namespace(), pod.name(), bytes);
                pair.writeToPod(payload);
            } else {
                payload.release();
            }
        }
        if (frame.isLast()) {
            clientFinished(pair, id);
        }
        refreshFlow();
    }

    private void clientFinished(SpdyStreamPair pair, int streamId) {
        if (streamId != pair.dataStreamId() || pair.clientFinished) {
            return;
        }
        pair.clientFinished = true;
        pair.finishPodOutput();
        endIfBothSidesFinished(pair);
    }

    private void onRst(SpdyRstStreamFrame rst) {
        SpdyStreamPair pair = byStream.get(rst.streamId());
        if (pair == null) {
            return;
        }
        // kubectl resets the data stream once it has read the pod's EOF (or its local side failed),
        // then reads the error stream to its end.
        if (rst.streamId() == pair.dataStreamId()) {
            pair.dataReset = true;
        } else {
            pair.errorReset = true;
        }
        pair.clientFinished = true;
        pair.podFinished = true;
        finishServerSide(pair);
        endPair(pair);
    }

    /** Bytes the pod sent; takes ownership of {@code buf}. */
    void fromPod(SpdyStreamPair pair, ByteBuf buf) {
        int bytes = buf.readableBytes();
        if (pair.podFinished) {
            buf.release();
            return;
        }
        counters.podToClient(pod.namespace(), pod.name(), bytes);
        send(pair.dataStreamId(), !pair.dataFinSent && !pair.dataReset, buf);
        refreshFlow();
    }

    /** The pod's EOF (or close, or reset): the data stream and then the error stream get their FIN. */
    void podFinished(SpdyStreamPair pair) {
        if (pair.podFinished) {
            return;
        }
        pair.podFinished = true;
        finishServerSide(pair);
        endIfBothSidesFinished(pair);
        refreshFlow();
    }

    private void endIfBothSidesFinished(SpdyStreamPair pair) {
        if (pair.podFinished && pair.clientFinished && pair.dataFinSent) {
            endPair(pair);
        }
    }

    /** FINs the data stream, then the error stream (the kubelet's deferred Close calls), each once. */
    private void finishServerSide(SpdyStreamPair pair) {
        if (pair.dataStreamId() != 0 && !pair.dataFinSent && !pair.dataReset) {
            fin(pair.dataStreamId());
        }
        pair.dataFinSent = true;
        if (pair.errorStreamId() != 0 && !pair.errorFinSent && !pair.errorReset) {
            fin(pair.errorStreamId());
        }
        pair.errorFinSent = true;
    }

    private void endPair(SpdyStreamPair pair) {
        if (pair.state() == SpdyStreamPair.State.ENDED) {
            return;
        }
        if (pair.end()) {
            counters.streamClosed(pod.namespace(), pod.name());
        }
        byRequest.remove(pair.requestId(), pair);
        byStream.remove(pair.errorStreamId(), pair);
        byStream.remove(pair.dataStreamId(), pair);
        // The pod socket closes after the client bytes already written to it.
        pair.closePod();
        refreshFlow();
    }

    private void send(int streamId, boolean streamOpen, ByteBuf payload) {
        if (!streamOpen || !ctx.channel().isActive()) {
            payload.release();
            return;
        }
        ctx.writeAndFlush(new DefaultSpdyDataFrame(streamId, payload));
    }

    private void fin(int streamId) {
        if (ctx.channel().isActive()) {
            ctx.writeAndFlush(new DefaultSpdyDataFrame(streamId).setLast(true));
        }
    }

    private void reset(int streamId, SpdyStreamStatus status) {
        ctx.writeAndFlush(new DefaultSpdyRstStreamFrame(streamId, status));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        for (SpdyStreamPair pair : new ArrayList<>(byRequest.values())) {
            endPair(pair);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        refreshFlow();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof SpdyProtocolException && !closing) {
            // A frame that cannot be decoded ends this connection only: GOAWAY with PROTOCOL_ERROR (SPDY/3.1 2.4.1).
            LOG.warn("port-forward to pod {}/{}: closing a {} connection: {}", pod.namespace(), pod.name(), mode.label(),
                    cause.getMessage());
            closing = true;
            ctx.writeAndFlush(new DefaultSpdyGoAwayFrame(highestStreamId, SpdySessionStatus.PROTOCOL_ERROR))
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        LOG.debug("port-forward connection to pod {}/{} failed: {}", pod.namespace(), pod.name(), cause.toString());
        ctx.close();
    }

    /** Re-derives which side may be read from the writability of the other side and the latency queues. */
    void refreshFlow() {
        Channel connection = ctx.channel();
        boolean podsAccept = !closing && link.pendingInbound() <= PortForwardSession.PENDING_LIMIT;
        boolean clientAccepts = connection.isActive() && connection.isWritable()
                && link.pendingOutbound() <= PortForwardSession.PENDING_LIMIT;
        for (SpdyStreamPair pair : byRequest.values()) {
            Channel p = pair.pod();
            if (pair.earlyBytes() > EARLY_LIMIT || (p != null && p.isActive() && !p.isWritable())) {
                podsAccept = false;
            }
            if (p != null && p.isActive() && !pair.podFinished) {
                p.config().setAutoRead(clientAccepts);
            }
        }
        if (connection.isActive()) {
            connection.config().setAutoRead(podsAccept);
        }
    }
}

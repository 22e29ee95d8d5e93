package dev.kproxy.tunnel;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One tunnel over one byte stream: a reader thread that decodes and dispatches frames (and never blocks on
 * anything but the byte stream), a writer thread that drains the outbound queue, and the open streams.
 *
 * <p>Outbound order: OPEN, DATA, HALF_CLOSE and RESET keep their order; PING, PONG and WINDOW_UPDATE jump
 * the queue so liveness and credit are not delayed behind bulk data. DATA waiting in the queue is capped
 * ({@link #QUEUED_DATA_LIMIT}); writers wait for the tunnel itself, which is shared anyway, never for another
 * stream's reader, because the peer's reader always drains the byte stream into per-stream buffers.
 *
 * <p>Any decode or protocol error closes the tunnel with a GOAWAY carrying the reason; nothing escapes the
 * reader thread.
 */
public final class TunnelSession implements Closeable {
    public static final int DEFAULT_INITIAL_WINDOW = 4 * 1024 * 1024;
    static final int QUEUED_DATA_LIMIT = 1024 * 1024;
    private static final Duration GOAWAY_GRACE = Duration.ofSeconds(1);

    private final Role role;
    private final InputStream in;
    private final OutputStream out;
    private final Closeable transport;
    private final int initialWindow;
    private final Consumer<TunnelStream> onOpen;
    private final String name;
    private final Map<Integer, TunnelStream> streams = new ConcurrentHashMap<>();
    private final LinkedBlockingDeque<Frame> outbound = new LinkedBlockingDeque<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final CountDownLatch handshake = new CountDownLatch(1);
    private final CountDownLatch writerDone = new CountDownLatch(1);
    private final Object budgetLock = new Object();
    private final Object openLock = new Object();
    private final Thread reader;
    private final Thread writer;
    private long queuedDataBytes;
    private volatile String closeReason;
    private volatile int peerInitialWindow;
    private volatile long lastFrameNanos = System.nanoTime();
    private int lastLocalStreamId;
    private int lastPeerStreamId;

    /**
     * @param transport     closed when the session ends (the socket or port-forward carrying the bytes)
     * @param initialWindow the receive window each stream starts with on this side (sent in HELLO)
     * @param onOpen        called on the reader thread for each stream the peer opens; must not block
     * @param name          for thread names
     */
    public TunnelSession(Role role, InputStream in, OutputStream out, Closeable transport, int initialWindow,
                         Consumer<TunnelStream> onOpen, String name) {
        if (initialWindow < 1) {
            throw new IllegalArgumentException("initial window must be positive");
        }
        this.role = role;
        this.in = in;
        this.out = new BufferedOutputStream(out, 2 * FrameCodec.MAX_FRAME_LENGTH);
        this.transport = transport;
        this.initialWindow = initialWindow;
        this.onOpen = onOpen;
        this.name = name;
        this.reader = new Thread(this::readLoop, "tunnel-reader-" + name);
        this.writer = new Thread(this::writeLoop, "tunnel-writer-" + name);
        reader.setDaemon(true);
        writer.setDaemon(true);
    }

    /** Sends HELLO and starts the reader and writer threads. */
    public void start() {
        outbound.offerLast(new Frame.Hello(FrameCodec.VERSION, role, initialWindow));
        writer.start();
        reader.start();
    }

    public Role role() {
        return role;
    }

    /** True once the peer's HELLO arrived and matched; false if the timeout passed or the tunnel closed first. */
    public boolean awaitHandshake(Duration timeout) throws InterruptedException {
        handshake.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return handshake.getCount() == 0 && isOpen();
    }

    public boolean isOpen() {
        return closeReason == null;
    }

    /** Completes with the reason once the session is closed, whoever closed it. */
    public CompletableFuture<String> closed() {
        return closed;
    }

    /** {@link System#nanoTime()} when the last frame arrived (or the session was created). */
    public long lastFrameNanos() {
        return lastFrameNanos;
    }

    public int openStreamCount() {
        return streams.size();
    }

    /**
     * Opens a stream for a new inbound connection (agent only). The request's first bytes travel in the
     * OPEN frame when the peer's window allows, otherwise as DATA right after it.
     */
    public TunnelStream open(OpenRequest request) throws IOException {
        if (role != Role.AGENT) {
            throw new IllegalStateException("only the agent opens streams");
        }
        byte[] first = request.initialBytes();
        boolean inOpen;
        TunnelStream stream;
        synchronized (openLock) {
            if (handshake.getCount() != 0 || !isOpen()) {
                throw new IOException("tunnel is not attached" + (isOpen() ? "" : ": " + closeReason));
            }
            inOpen = first.length <= Math.min(peerInitialWindow, FrameCodec.MAX_DATA_PAYLOAD);
            if (lastLocalStreamId == Integer.MAX_VALUE) {
                throw new IOException("tunnel ran out of stream ids; reconnect it");
            }
            int id = ++lastLocalStreamId;
            OpenRequest sent = inOpen ? request : new OpenRequest(request.interceptedPort(), request.clientAddress(), null);
            stream = new TunnelStream(this, id, request, initialWindow, peerInitialWindow - (inOpen ? first.length : 0));
            streams.put(id, stream);
            outbound.offerLast(new Frame.Open(id, sent));
        }
        if (!inOpen) {
            stream.output().write(first);
        }
        return stream;
    }

    /** Sends a PING carrying the current time; the peer answers PONG, which counts as a frame received. */
    public void ping() {
        send(new Frame.Ping(System.nanoTime()));
    }

    /** Sends GOAWAY with this reason and closes the tunnel; the open streams fail. */
    public void close(String reason) {
        shutdown(ReasonText.oneLine(reason), true);
    }

    @Override
    public void close() {
        close("closed by " + role.name().toLowerCase());
    }

    // ---- used by streams ----

    void send(Frame frame) {
        if (!isOpen()) {
            return;
        }
        switch (frame.type()) {
            case PING, PONG, WINDOW_UPDATE -> outbound.offerFirst(frame);
            default -> outbound.offerLast(frame);
        }
    }

    void sendData(Frame.Data data) throws IOException {
        synchronized (budgetLock) {
            while (queuedDataBytes >= QUEUED_DATA_LIMIT && isOpen()) {
                try {
                    budgetLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while the tunnel was busy");
                }
            }
            if (!isOpen()) {
                throw new IOException("tunnel closed: " + closeReason);
            }
            queuedDataBytes += data.bytes().length;
        }
        outbound.offerLast(data);
    }

    void forget(TunnelStream stream) {
        streams.remove(stream.id(), stream);
    }

    // ---- threads ----

    private void writeLoop() {
        ByteBuffer header = ByteBuffer.allocate(FrameCodec.HEADER_LENGTH);
        try {
            while (true) {
                Frame frame = outbound.pollFirst();
                if (frame == null) {
                    out.flush();
                    frame = outbound.takeFirst();
                }
                if (frame instanceof Frame.Data data) {
                    FrameCodec.encodeHeader(data, header.clear());
                    out.write(header.array());
                    out.write(data.bytes());
                    synchronized (budgetLock) {
                        queuedDataBytes -= data.bytes().length;
                        budgetLock.notifyAll();
                    }
                } else {
                    out.write(FrameCodec.encode(frame));
                    if (frame instanceof Frame.GoAway) {
                        out.flush();
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            // shutdown() interrupts the writer once the tunnel is closed
        } catch (IOException e) {
            shutdown("tunnel write failed: " + e.getMessage(), false);
        } catch (RuntimeException e) {
            shutdown("internal error in the tunnel writer: " + e, false);
        } finally {
            writerDone.countDown();
        }
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(2 * FrameCodec.MAX_FRAME_LENGTH);
        buffer.flip();
        try {
            while (isOpen()) {
                buffer.compact();
                int n = in.read(buffer.array(), buffer.position(), buffer.remaining());
                if (n < 0) {
                    buffer.flip();
                    shutdown(buffer.hasRemaining() ? "tunnel ended in the middle of a frame"
                            : "tunnel connection closed by the " + role.peer().name().toLowerCase(), false);
                    return;
                }
                buffer.position(buffer.position() + n);
                buffer.flip();
                Frame frame;
                while (isOpen() && (frame = FrameCodec.decode(buffer)) != null) {
                    lastFrameNanos = System.nanoTime();
                    dispatch(frame);
                }
            }
        } catch (TunnelProtocolException e) {
            shutdown(e.getMessage(), true);
        } catch (IOException e) {
            shutdown("tunnel read failed: " + e.getMessage(), false);
        } catch (RuntimeException e) {
            shutdown("internal error in the tunnel reader: " + e, true);
        }
    }

    private void dispatch(Frame frame) throws TunnelProtocolException {
        if (handshake.getCount() != 0) {
            acceptHello(frame);
            return;
        }
        switch (frame.type()) {
            case HELLO -> throw new TunnelProtocolException("second HELLO on the tunnel");
            case OPEN -> acceptOpen((Frame.Open) frame);
            case DATA -> {
                TunnelStream stream = streamFor(frame);
                if (stream == null) {
                    return;
                }
                if (stream.isRemoteHalfClosed()) {
                    // RFC 9113 section 5.1 "half-closed (remote)": a stream error, not a tunnel error.
                    stream.abort("DATA after HALF_CLOSE on stream " + stream.id());
                    return;
                }
                stream.onData(((Frame.Data) frame).bytes());
            }
            case HALF_CLOSE -> {
                TunnelStream stream = streamFor(frame);
                if (stream != null) {
                    stream.onHalfClose();
                }
            }
            case RESET -> {
                TunnelStream stream = streamFor(frame);
                if (stream != null) {
                    stream.onReset(((Frame.Reset) frame).reason());
                    forget(stream);
                }
            }
            case WINDOW_UPDATE -> {
                TunnelStream stream = streamFor(frame);
                if (stream != null) {
                    stream.onWindowUpdate(((Frame.WindowUpdate) frame).increment());
                }
            }
            case PING -> send(new Frame.Pong(((Frame.Ping) frame).payload()));
            case PONG -> {
                // its arrival already refreshed lastFrameNanos
            }
            case GOAWAY -> shutdown("the " + role.peer().name().toLowerCase() + " went away: "
                    + ((Frame.GoAway) frame).reason(), false);
        }
    }

    private void acceptHello(Frame frame) throws TunnelProtocolException {
        if (!(frame instanceof Frame.Hello hello)) {
            throw new TunnelProtocolException("expected HELLO as the first frame, got " + frame.type());
        }
        if (hello.version() != FrameCodec.VERSION) {
            throw new TunnelProtocolException("tunnel protocol version " + hello.version()
                    + " is not supported; this " + role.name().toLowerCase() + " speaks version " + FrameCodec.VERSION);
        }
        if (hello.role() != role.peer()) {
            throw new TunnelProtocolException("peer says it is the " + hello.role().name().toLowerCase()
                    + ", but this side is the " + role.name().toLowerCase());
        }
        peerInitialWindow = hello.initialWindow();
        handshake.countDown();
    }

    private void acceptOpen(Frame.Open open) throws TunnelProtocolException {
        if (role == Role.AGENT) {
            throw new TunnelProtocolException("the laptop may not OPEN streams");
        }
        if (open.streamId() <= lastPeerStreamId) {
            throw new TunnelProtocolException("OPEN reuses stream id " + open.streamId());
        }
        lastPeerStreamId = open.streamId();
        OpenRequest request = open.request();
        TunnelStream stream = new TunnelStream(this, open.streamId(), request, initialWindow, peerInitialWindow);
        if (request.initialBytes().length > 0) {
            stream.onData(request.initialBytes());
        }
        streams.put(open.streamId(), stream);
        onOpen.accept(stream);
    }

    /**
     * The open stream a frame is for, or null when it is for a stream that ended (frames can cross a RESET
     * on the wire, so they are ignored, as RFC 9113 section 5.1 allows). A stream never opened is an error.
     */
    private TunnelStream streamFor(Frame frame) throws TunnelProtocolException {
        TunnelStream stream = streams.get(frame.streamId());
        if (stream != null) {
            return stream;
        }
        int lastOpened = role == Role.AGENT ? lastLocalStreamIdVolatile() : lastPeerStreamId;
        if (frame.streamId() > lastOpened) {
            throw new TunnelProtocolException(frame.type() + " on stream " + frame.streamId() + ", which was never opened");
        }
        return null;
    }

    private int lastLocalStreamIdVolatile() {
        synchronized (openLock) {
            return lastLocalStreamId;
        }
    }

    private void shutdown(String reason, boolean sendGoAway) {
        synchronized (this) {
            if (closeReason != null) {
                return;
            }
            if (sendGoAway) {
                outbound.offerFirst(new Frame.GoAway(reason));
            }
            closeReason = reason;
        }
        for (TunnelStream stream : new ArrayList<>(streams.values())) {
            stream.onTunnelClosed(reason);
        }
        streams.clear();
        synchronized (budgetLock) {
            budgetLock.notifyAll();
        }
        if (sendGoAway && Thread.currentThread() != writer && writer.isAlive()) {
            try {
                writerDone.await(GOAWAY_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            transport.close();
        } catch (IOException e) {
            // the transport is gone either way
        }
        writer.interrupt();
        handshake.countDown();
        closed.complete(reason);
    }

    @Override
    public String toString() {
        return "TunnelSession[" + name + ", " + role + (isOpen() ? "" : ", closed: " + closeReason) + "]";
    }
}

package dev.kproxy.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;

/**
 * One multiplexed connection inside a tunnel, as a blocking InputStream/OutputStream pair. The session's
 * reader thread hands arriving frames to the {@code on*} methods, which never block; application threads
 * block in {@link #input()} reads (until bytes, FIN or reset) and {@link #output()} writes (until the peer
 * grants window).
 */
public final class TunnelStream implements DuplexEnd {
    private final TunnelSession session;
    private final int id;
    private final OpenRequest request;
    private final Object lock = new Object();
    /** Serializes writers so DATA and HALF_CLOSE leave in the order the application issued them. */
    private final Object writeLock = new Object();
    private final ArrayDeque<byte[]> inbound = new ArrayDeque<>();
    private final ReceiveWindow receiveWindow;
    private final SendWindow sendWindow;
    private final InputStream input = new Input();
    private final OutputStream output = new Output();
    private int headOffset;
    private boolean remoteHalfClosed;
    private boolean localHalfClosed;
    private boolean closed;
    private String resetReason;
    private boolean resetByPeer;

    TunnelStream(TunnelSession session, int id, OpenRequest request, int receiveWindow, int sendWindow) {
        this.session = session;
        this.id = id;
        this.request = Objects.requireNonNull(request);
        this.receiveWindow = new ReceiveWindow(receiveWindow);
        this.sendWindow = new SendWindow(sendWindow);
    }

    public int id() {
        return id;
    }

    public OpenRequest request() {
        return request;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    /** Why the stream was reset (by either side or by the tunnel closing), or null. */
    public String resetReason() {
        synchronized (lock) {
            return resetReason;
        }
    }

    /** True when the peer sent the RESET (for the agent: the laptop could not take the connection). */
    public boolean resetByPeer() {
        synchronized (lock) {
            return resetByPeer;
        }
    }

    /** Sends HALF_CLOSE after everything written so far. */
    @Override
    public void shutdownOutput() {
        synchronized (writeLock) {
            synchronized (lock) {
                if (localHalfClosed || resetReason != null) {
                    return;
                }
                localHalfClosed = true;
            }
            session.send(new Frame.HalfClose(id));
            forgetIfDone();
        }
    }

    /** Sends RESET with this reason unless the stream is already over. */
    @Override
    public void abort(String reason) {
        synchronized (lock) {
            if (resetReason != null || (localHalfClosed && remoteHalfClosed)) {
                closed = true;
                lock.notifyAll();
                return;
            }
            resetReason = ReasonText.oneLine(reason);
            closed = true;
            lock.notifyAll();
        }
        session.send(new Frame.Reset(id, resetReason));
        session.forget(this);
    }

    @Override
    public void close() {
        abort("stream closed");
    }

    // ---- called by the session's reader thread; none of these block ----

    void onData(byte[] bytes) throws TunnelProtocolException {
        synchronized (lock) {
            receiveWindow.received(bytes.length, id);
            if (closed) {
                return;
            }
            inbound.addLast(bytes);
            lock.notifyAll();
        }
    }

    boolean isRemoteHalfClosed() {
        synchronized (lock) {
            return remoteHalfClosed;
        }
    }

    void onHalfClose() {
        synchronized (lock) {
            remoteHalfClosed = true;
            lock.notifyAll();
        }
        forgetIfDone();
    }

    void onReset(String reason) {
        synchronized (lock) {
            if (resetReason == null) {
                resetReason = reason;
                resetByPeer = true;
            }
            lock.notifyAll();
        }
    }

    void onWindowUpdate(int increment) throws TunnelProtocolException {
        synchronized (lock) {
            sendWindow.credit(increment);
            lock.notifyAll();
        }
    }

    void onTunnelClosed(String reason) {
        synchronized (lock) {
            if (resetReason == null) {
                resetReason = "tunnel closed: " + reason;
            }
            lock.notifyAll();
        }
    }

    private void forgetIfDone() {
        boolean done;
        synchronized (lock) {
            done = localHalfClosed && remoteHalfClosed;
        }
        if (done) {
            session.forget(this);
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            int copied = 0;
            int credit;
            synchronized (lock) {
                while (inbound.isEmpty() && !remoteHalfClosed && resetReason == null && !closed) {
                    awaitChange();
                }
                if (resetReason != null) {
                    throw new IOException(resetReason);
                }
                if (closed) {
                    throw new IOException("stream " + id + " is closed");
                }
                if (inbound.isEmpty()) {
                    return -1;
                }
                while (copied < len && !inbound.isEmpty()) {
                    byte[] head = inbound.peekFirst();
                    int n = Math.min(len - copied, head.length - headOffset);
                    System.arraycopy(head, headOffset, b, off + copied, n);
                    copied += n;
                    headOffset += n;
                    if (headOffset == head.length) {
                        inbound.removeFirst();
                        headOffset = 0;
                    }
                }
                credit = receiveWindow.consumed(copied);
                if (remoteHalfClosed) {
                    credit = 0; // the peer sends nothing more; credit would only be noise
                }
            }
            if (credit > 0) {
                session.send(new Frame.WindowUpdate(id, credit));
            }
            return copied;
        }

        @Override
        public int available() {
            synchronized (lock) {
                int total = 0;
                for (byte[] chunk : inbound) {
                    total += chunk.length;
                }
                return total - headOffset;
            }
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            synchronized (writeLock) {
                while (len > 0) {
                    int n;
                    synchronized (lock) {
                        while (true) {
                            if (resetReason != null) {
                                throw new IOException(resetReason);
                            }
                            if (closed || localHalfClosed) {
                                throw new IOException("stream " + id + " output is closed");
                            }
                            n = sendWindow.take(Math.min(len, FrameCodec.MAX_DATA_PAYLOAD));
                            if (n > 0) {
                                break;
                            }
                            awaitChange();
                        }
                    }
                    // Outside the stream lock: the session may block here on its shared write budget, and the
                    // reader thread must always be able to take the lock to deliver WINDOW_UPDATEs.
                    session.sendData(new Frame.Data(id, Arrays.copyOfRange(b, off, off + n)));
                    off += n;
                    len -= n;
                }
            }
        }
    }

    private void awaitChange() throws InterruptedIOException {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on stream " + id);
        }
    }

    @Override
    public String toString() {
        return "TunnelStream[" + id + ", " + request + "]";
    }
}

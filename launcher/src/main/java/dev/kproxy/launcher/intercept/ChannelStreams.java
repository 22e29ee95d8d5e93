package dev.kproxy.launcher.intercept;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A Netty channel (a port-forward, autoRead off) as a blocking InputStream/OutputStream pair, so the tunnel
 * protocol's one implementation ({@code dev.kproxy.tunnel}, plain JDK because the agent runs it too) can
 * sit on it. Bounded both ways: reading from the channel pauses once {@link #READ_AHEAD} bytes wait for
 * the tunnel's reader, and a write blocks while the channel is not writable (its high-water mark), so a
 * slow API server slows the tunnel down instead of filling the heap.
 */
final class ChannelStreams extends ChannelInboundHandlerAdapter implements Closeable {
    static final int READ_AHEAD = 1024 * 1024;

    private final Channel channel;
    private final Object lock = new Object();
    private final ArrayDeque<ByteBuf> inbound = new ArrayDeque<>();
    private final InputStream input = new Input();
    private final OutputStream output = new Output();
    private int buffered;
    private boolean reading;
    private boolean ended;
    private String failure;

    private ChannelStreams(Channel channel) {
        this.channel = channel;
    }

    /** Adds itself as the last handler of the channel and starts reading. */
    static ChannelStreams attach(Channel channel) {
        ChannelStreams streams = new ChannelStreams(channel);
        channel.pipeline().addLast("tunnel-streams", streams);
        streams.reading = true;
        channel.read();
        if (!channel.isActive()) {
            streams.end(null);
        }
        return streams;
    }

    InputStream input() {
        return input;
    }

    OutputStream output() {
        return output;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        synchronized (lock) {
            if (ended) {
                buf.release();
                return;
            }
            inbound.addLast(buf);
            buffered += buf.readableBytes();
            lock.notifyAll();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        boolean more;
        synchronized (lock) {
            more = buffered < READ_AHEAD && !ended;
            reading = more;
        }
        if (more) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        synchronized (lock) {
            lock.notifyAll();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(null);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        end(String.valueOf(cause.getMessage()));
        ctx.close();
    }

    private void end(String reason) {
        synchronized (lock) {
            if (failure == null) {
                failure = reason;
            }
            ended = true;
            lock.notifyAll();
        }
    }

    @Override
    public void close() {
        channel.close();
        synchronized (lock) {
            ended = true;
            inbound.forEach(ByteBuf::release);
            inbound.clear();
            buffered = 0;
            lock.notifyAll();
        }
    }

    private void await() throws InterruptedIOException {
        try {
            lock.wait(1000); // re-checks channel state even if a wake-up is missed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting on the port-forward");
        }
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            boolean resume = false;
            int copied = 0;
            synchronized (lock) {
                while (inbound.isEmpty() && !ended) {
                    await();
                }
                if (inbound.isEmpty()) {
                    if (failure != null) {
                        throw new IOException(failure);
                    }
                    return -1;
                }
                while (copied < len && !inbound.isEmpty()) {
                    ByteBuf head = inbound.peekFirst();
                    int n = Math.min(len - copied, head.readableBytes());
                    head.readBytes(b, off + copied, n);
                    copied += n;
                    if (!head.isReadable()) {
                        inbound.removeFirst().release();
                    }
                }
                buffered -= copied;
                if (!reading && !ended && buffered < READ_AHEAD / 2) {
                    reading = true;
                    resume = true;
                }
            }
            if (resume) {
                channel.read();
            }
            return copied;
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
            if (len == 0) {
                return;
            }
            synchronized (lock) {
                while (!channel.isWritable() && !ended) {
                    await();
                }
                if (ended) {
                    throw new IOException(failure != null ? failure : "the port-forward closed");
                }
            }
            // A copy: the caller reuses its array; Netty writes it later on the channel's event loop.
            channel.writeAndFlush(Unpooled.wrappedBuffer(java.util.Arrays.copyOfRange(b, off, off + len)));
        }
    }
}

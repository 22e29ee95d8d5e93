package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Streams {@code total} seeded random bytes into a channel as fast as its writability allows and
 * digests what comes back; {@link #result()} completes with both SHA-256s once {@code total} bytes
 * have been read (test scaffolding).
 */
final class EchoProbe extends ChannelInboundHandlerAdapter {

    record Digests(String sent, String received) {
    }

    private static final int CHUNK = 48 * 1024 + 17; // odd size: frames never line up with chunk boundaries

    private final long total;
    private final Random random = new Random(20261125L);
    private final MessageDigest sent = sha256();
    private final MessageDigest received = sha256();
    private final CompletableFuture<Digests> result = new CompletableFuture<>();
    private long written;
    private long read;

    EchoProbe(long total) {
        this.total = total;
    }

    /** Adds the probe to a dialed channel and starts it (reading and writing). */
    static EchoProbe start(Channel channel, long total) {
        EchoProbe probe = new EchoProbe(total);
        channel.eventLoop().execute(() -> {
            channel.pipeline().addLast(probe);
            channel.config().setAutoRead(true);
            probe.pump(channel);
        });
        return probe;
    }

    CompletableFuture<Digests> result() {
        return result;
    }

    private void pump(Channel channel) {
        while (written < total && channel.isWritable()) {
            int n = (int) Math.min(CHUNK, total - written);
            byte[] bytes = new byte[n];
            random.nextBytes(bytes);
            sent.update(bytes);
            written += n;
            channel.write(channel.alloc().buffer(n).writeBytes(bytes));
        }
        channel.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        pump(ctx.channel());
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            read += buf.readableBytes();
            received.update(buf.nioBuffer());
        } finally {
            buf.release();
        }
        if (read >= total) {
            result.complete(new Digests(hex(sent), hex(received)));
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        result.completeExceptionally(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        result.completeExceptionally(new IllegalStateException("closed after " + read + " of " + total + " bytes"));
    }

    private static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

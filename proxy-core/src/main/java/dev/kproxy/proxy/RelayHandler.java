package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One direction of a {@link Relay}: what this channel reads is written to the peer.
 * Backpressure: when the peer's outbound buffer passes its high-water mark this channel stops
 * reading; the peer's handler resumes it from {@code channelWritabilityChanged}. EOF from this
 * side becomes {@code shutdownOutput()} on a TCP peer (or a close after flush otherwise); once
 * both directions ended, or either side closed, both are closed.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

    private final Channel peer;
    private final LongConsumer byteCounter;

    RelayHandler(Channel peer, LongConsumer byteCounter) {
        this.peer = peer;
        this.byteCounter = byteCounter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            byteCounter.accept(buf.readableBytes());
        } else if (msg instanceof ByteBufHolder holder) {
            byteCounter.accept(holder.content().readableBytes());
        }
        peer.write(msg, peer.voidPromise());
        if (!peer.isWritable()) {
            peer.flush();
            // The flush may have drained the peer (firing its writability event) already.
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false);
                // A peer on another event loop may have drained in between; its event would be lost.
                if (peer.isWritable()) {
                    ctx.channel().config().setAutoRead(true);
                }
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This side drained below its low-water mark: the peer may read (and so write to us) again.
        if (ctx.channel().isWritable()) {
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            propagateEndOfInput(ctx.channel());
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    private void propagateEndOfInput(Channel self) {
        if (!(peer instanceof DuplexChannel duplexPeer) || !peer.isActive()) {
            ChannelClosing.closeAfterFlush(peer);
            return;
        }
        peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
                .addListener(flushed -> duplexPeer.shutdownOutput().addListener((ChannelFuture shut) -> {
                    // Both directions are finished once the peer's input had ended before ours did.
                    if (!shut.isSuccess() || duplexPeer.isInputShutdown()) {
                        peer.close();
                        self.close();
                    }
                }));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ChannelClosing.closeAfterFlush(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("relay {} closed: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}

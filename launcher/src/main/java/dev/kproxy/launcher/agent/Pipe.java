package dev.kproxy.launcher.agent;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * One direction between an app's connection to a loopback listener and its port-forward stream:
 * what this side reads is written to the other. Reading pauses while the other side's buffer is
 * full; end of input becomes a half-close where the other side supports one.
 */
final class Pipe extends ChannelInboundHandlerAdapter {
    private final Channel other;

    private Pipe(Channel other) {
        this.other = other;
    }

    /** Starts both directions; both channels were opened with auto-read off. */
    static void join(Channel app, Channel cluster) {
        app.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        cluster.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        app.pipeline().addLast(new Pipe(cluster));
        cluster.pipeline().addLast(new Pipe(app));
        app.config().setAutoRead(true);
        cluster.config().setAutoRead(true);
        if (!app.isActive() || !cluster.isActive()) {
            app.close();
            cluster.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        other.write(msg, other.voidPromise());
        if (!other.isWritable()) {
            other.flush();
            if (!other.isWritable()) {
                ctx.channel().config().setAutoRead(false);
                if (other.isWritable()) {
                    ctx.channel().config().setAutoRead(true);
                }
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        other.flush();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            other.config().setAutoRead(true);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof ChannelInputShutdownEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (other instanceof DuplexChannel duplex && other.isActive()) {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> duplex.shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess() || duplex.isInputShutdown()) {
                    other.close();
                    ctx.channel().close();
                }
            }));
        } else {
            other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}

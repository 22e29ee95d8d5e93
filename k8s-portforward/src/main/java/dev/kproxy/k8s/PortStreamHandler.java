package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * After the port prefixes: data-channel payloads go up the pipeline as plain ByteBufs (so the
 * caller sees a TCP-like stream); a message on the error channel is the runtime's dial or copy
 * failure (e.g. {@code error forwarding port 8080 to pod ...}): it is recorded in
 * {@link PortForwardDialer#FAILURE}, raised as a {@link PortForwardException} and the channel closes.
 *
 * <p>Until the caller's first {@code read()} (setting autoRead or calling read()), events are held
 * here so that bytes arriving with the prefixes are not lost before the caller's handlers exist.
 * Only what one socket read carried can be held: autoRead is off meanwhile. That includes the
 * server's close ({@link ServerClose}): the channel closes only once what came before it went up,
 * since closing destroys the pipeline and this handler with what it holds.
 */
final class PortStreamHandler extends ChannelDuplexHandler {

    private final Queue<Object> held = new ArrayDeque<>();
    private boolean holding = true;
    private boolean inactiveHeld;

    static PortForwardException remoteError(ByteBuf text) {
        String message = text.toString(StandardCharsets.UTF_8).strip();
        return new PortForwardException(PortForwardException.Kind.REMOTE_ERROR,
                message.isEmpty() ? "the pod's runtime reported an empty error on the port-forward error channel" : message);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == ServerClose.INSTANCE) {
            deliver(ctx, msg);
            return;
        }
        if (!(msg instanceof ChannelFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (frame.channel() == ChannelFrame.DATA) {
            deliver(ctx, frame.content());
            return;
        }
        PortForwardException failure = frame.channel() == ChannelFrame.ERROR
                ? remoteError(frame.content())
                : new PortForwardException(PortForwardException.Kind.PROTOCOL,
                        "the API server sent channel " + frame.channel() + " but only port channels 0 and 1 exist");
        frame.release();
        ctx.channel().attr(PortForwardDialer.FAILURE).setIfAbsent(failure);
        deliver(ctx, failure);
        ctx.close();
    }

    private void deliver(ChannelHandlerContext ctx, Object event) {
        if (holding) {
            held.add(event);
        } else if (event == ServerClose.INSTANCE) {
            ctx.fireChannelReadComplete(); // what came before it reaches the caller first
            ctx.close();
        } else if (event instanceof Throwable cause) {
            ctx.fireExceptionCaught(cause);
        } else {
            ctx.fireChannelRead(event);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!holding) {
            ctx.fireChannelReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (holding) {
            inactiveHeld = true;
        } else {
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (holding) {
            holding = false;
            boolean delivered = !held.isEmpty();
            Object event;
            while ((event = held.poll()) != null) {
                deliver(ctx, event);
            }
            if (delivered) {
                ctx.fireChannelReadComplete();
            }
            if (inactiveHeld) {
                ctx.fireChannelInactive();
                return;
            }
        }
        ctx.read();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        held.forEach(ReferenceCountUtil::release);
        held.clear();
    }
}

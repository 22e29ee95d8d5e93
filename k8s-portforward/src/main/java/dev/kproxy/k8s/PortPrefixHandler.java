package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;

import java.util.ArrayDeque;
import java.util.Queue;

/**
 * Waits for the two port prefixes the server sends right after the upgrade: the forwarded port as
 * uint16 little-endian, once on the data channel and once on the error channel
 * (kubernetes pkg/kubelet/cri/streaming/portforward/websocket.go, {@code handleWebSocketStreams}).
 * Validates both against the requested port. At the end of the socket read that completed them it
 * either fails the dial (an error message came right behind the prefixes: the dial inside the pod
 * failed) or hands over: turns off autoRead, puts a {@link PortStreamHandler} in its place with the
 * frames that followed, and completes the dial promise.
 */
final class PortPrefixHandler extends ChannelInboundHandlerAdapter {

    private static final int PREFIX_BYTES = 2;

    private final int port;
    private final Promise<Channel> promise;
    private final PortPrefix data = new PortPrefix();
    private final PortPrefix error = new PortPrefix();
    private final Queue<ChannelFrame> following = new ArrayDeque<>();
    private boolean prefixesRead;
    private boolean closedAfterPrefixes;

    PortPrefixHandler(int port, Promise<Channel> promise) {
        this.port = port;
        this.promise = promise;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg == ServerClose.INSTANCE) {
            if (prefixesRead) {
                closedAfterPrefixes = true; // PortStreamHandler closes once the caller read what came before
            } else {
                fail(ctx, "the API server closed the port-forward connection before it announced the port");
            }
            return;
        }
        if (!(msg instanceof ChannelFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (prefixesRead) {
            following.add(frame);
            return;
        }
        PortPrefix prefix = switch (frame.channel()) {
            case ChannelFrame.DATA -> data;
            case ChannelFrame.ERROR -> error;
            default -> null;
        };
        if (prefix == null) {
            frame.release();
            fail(ctx, "the API server sent channel " + frame.channel() + " but only port channels 0 and 1 exist");
            return;
        }
        prefix.consume(frame.content());
        if (frame.content().isReadable()) {
            following.add(frame);
        } else {
            frame.release();
        }
        prefixesRead = data.complete() && error.complete();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (prefixesRead) {
            finish(ctx);
        }
    }

    private void finish(ChannelHandlerContext ctx) {
        if (data.value != port || error.value != port) {
            fail(ctx, "the API server announced port " + data.value + "/" + error.value + " but " + port + " was requested");
            return;
        }
        for (ChannelFrame frame : following) {
            if (frame.channel() == ChannelFrame.ERROR) {
                // The dial inside the pod already failed: report it as the dial's failure.
                promise.tryFailure(PortStreamHandler.remoteError(frame.content()));
                ctx.close();
                return;
            }
        }
        // The caller attaches its handlers after the promise completes; PortStreamHandler holds
        // whatever arrives until the caller's first read(), and autoRead stays off until then.
        ctx.channel().config().setAutoRead(false);
        ctx.pipeline().addAfter(ctx.name(), "pf-stream", new PortStreamHandler());
        ChannelFrame next;
        while ((next = following.poll()) != null) {
            ctx.fireChannelRead(next);
        }
        if (closedAfterPrefixes) {
            ctx.fireChannelRead(ServerClose.INSTANCE);
        }
        ctx.pipeline().remove(this);
        if (!promise.trySuccess(ctx.channel())) {
            ctx.channel().close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(ctx, "the API server closed the port-forward connection before it announced the port");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        promise.tryFailure(cause);
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        following.forEach(ReferenceCountUtil::release);
        following.clear();
    }

    private void fail(ChannelHandlerContext ctx, String message) {
        promise.tryFailure(new PortForwardException(PortForwardException.Kind.PROTOCOL, message));
        ctx.close();
    }

    /** Little-endian uint16 gathered from as many frames as it takes. */
    private static final class PortPrefix {
        int value;
        int bytes;

        void consume(ByteBuf in) {
            while (bytes < PREFIX_BYTES && in.isReadable()) {
                value |= in.readUnsignedByte() << (8 * bytes);
                bytes++;
            }
        }

        boolean complete() {
            return bytes == PREFIX_BYTES;
        }
    }
}

package dev.kproxy.k8s;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The TCP connection under one port-forward WebSocket, which is the channel callers get. It is a
 * {@link io.netty.channel.socket.DuplexChannel}, and relays half-close such channels on client EOF
 * with {@code shutdownOutput()}, which bypasses the pipeline: a raw FIN would cut through TLS and
 * the WebSocket framing. Port-forward has no half-close (one EOF ends the stream in the runtime), so
 * every shutdown here is a close through the pipeline instead, which sends the WebSocket close.
 */
final class PortForwardSocketChannel extends NioSocketChannel {

    @Override
    public ChannelFuture shutdownOutput() {
        return shutdownOutput(newPromise());
    }

    @Override
    public ChannelFuture shutdownOutput(ChannelPromise promise) {
        return closeInstead(promise);
    }

    @Override
    public ChannelFuture shutdownInput() {
        return shutdownInput(newPromise());
    }

    @Override
    public ChannelFuture shutdownInput(ChannelPromise promise) {
        return closeInstead(promise);
    }

    @Override
    public ChannelFuture shutdown() {
        return shutdown(newPromise());
    }

    @Override
    public ChannelFuture shutdown(ChannelPromise promise) {
        return closeInstead(promise);
    }

    private ChannelFuture closeInstead(ChannelPromise promise) {
        close().addListener((ChannelFutureListener) closed -> {
            if (closed.isSuccess()) {
                promise.trySuccess();
            } else {
                promise.tryFailure(closed.cause());
            }
        });
        return promise;
    }
}

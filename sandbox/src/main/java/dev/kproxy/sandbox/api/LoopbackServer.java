package dev.kproxy.sandbox.api;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * A TCP listener on 127.0.0.1 with NIO event loops of its own, that keeps every accepted
 * connection so {@link #close()} can end them: the sandbox's API server and its kubelet each run
 * on one. It can be started again after a close, as an API server restarts.
 */
public final class LoopbackServer implements AutoCloseable {
    private final String name;
    private final int threads;
    private final ChannelGroup connections;
    private volatile boolean closing;
    private EventLoopGroup group;
    private Channel listener;

    /** {@code name} is for messages ("the API server"); {@code threads}: event loops. */
    public LoopbackServer(String name, int threads) {
        this.name = name;
        this.threads = threads;
        this.connections = new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
    }

    /**
     * Listens on 127.0.0.1:{@code port} (0 for an ephemeral port); {@code pipeline} sets up each
     * accepted connection. Returns the bound address.
     */
    public synchronized InetSocketAddress start(int port, Consumer<SocketChannel> pipeline) {
        if (listener != null) {
            throw new IllegalStateException(name + " is already listening on " + listener.localAddress());
        }
        closing = false;
        group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
        try {
            listener = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            if (closing) {
                                // Accepted just before the listener closed, registered after close() swept the group.
                                ch.close();
                                return;
                            }
                            pipeline.accept(ch);
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", port))
                    .syncUninterruptibly()
                    .channel();
            return (InetSocketAddress) listener.localAddress();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            group = null;
            throw new IllegalStateException(name + " cannot listen on 127.0.0.1:" + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Stops listening and closes every connection, then the event loops.
     *
     * <p>The connections are closed here rather than left to the event loops' shutdown: with a
     * quiet period of 0, Netty 4.2 can end a loop that is still running tasks (such as the
     * listener's deregistration) without ever closing the channels registered on it. Those
     * sockets then stay open with nobody reading them, and a client waiting on one (a watch, a
     * port-forward) waits forever.
     */
    @Override
    public synchronized void close() {
        closing = true;
        if (listener != null) {
            listener.close().syncUninterruptibly();
            listener = null;
        }
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }
}

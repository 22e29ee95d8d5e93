package dev.kproxy.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One listening port that speaks SOCKS5, SOCKS4/4a and HTTP (CONNECT and absolute-form), and
 * sends every accepted request to a {@link Dialer}. Per connection the pipeline is
 * idle timer, counters, handshake deadline, {@link ProtocolDetector}; the detector installs the
 * protocol's handler, which dials and then hands both channels to the {@link Relay}.
 *
 * <pre>{@code
 * try (ProxyServer proxy = new ProxyServer(ProxyConfig.defaults().withPort(1080), new DirectDialer())) {
 *     proxy.start();
 *     ... proxy.port() ... proxy.stats() ...
 * }
 * }</pre>
 */
public final class ProxyServer implements AutoCloseable {

    private final ProxyConfig config;
    private final InetAddress bindAddress;
    private final ProxyStats stats;
    private final UpstreamConnector connector;
    private EventLoopGroup group;
    private ChannelGroup channels;
    private Channel listener;

    /**
     * @throws IllegalArgumentException if the bind address is not loopback and no credentials are
     *                                  set, or if the bind address cannot be resolved
     */
    public ProxyServer(ProxyConfig config, Dialer dialer) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(dialer, "dialer");
        try {
            this.bindAddress = InetAddress.getByName(config.bindAddress());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("kproxy: cannot resolve proxy bind address '" + config.bindAddress() + "'", e);
        }
        if (!bindAddress.isLoopbackAddress() && config.credentials().isEmpty()) {
            throw new IllegalArgumentException("kproxy: refusing to listen on non-loopback address " + config.bindAddress()
                    + " without a proxy username and password; bind 127.0.0.1 or configure credentials");
        }
        this.stats = new ProxyStats(config.recentErrorsPerDestination());
        this.connector = new UpstreamConnector(dialer, stats);
    }

    /**
     * Binds and starts accepting.
     *
     * @throws BindException naming the address and port when it is already in use
     */
    public synchronized ProxyServer start() throws IOException {
        if (listener != null) {
            throw new IllegalStateException("proxy already started on port " + port());
        }
        group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        channels = new DefaultChannelGroup("kproxy-proxy", GlobalEventExecutor.INSTANCE);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                .addLast("lifecycle", new ConnectionLifecycle(stats))
                                .addLast(HandshakeDeadline.NAME, new HandshakeDeadline(config.handshakeTimeout()))
                                .addLast("detect", new ProtocolDetector(config.credentials(), connector));
                    }
                });
        InetSocketAddress address = new InetSocketAddress(bindAddress, config.port());
        try {
            listener = bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            shutdownGroup();
            BindException failure = new BindException("kproxy: cannot listen on " + config.bindAddress() + ":" + config.port()
                    + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                    + " (is another proxy running? pick another port or 0 for any)");
            failure.initCause(e);
            throw failure;
        }
        channels.add(listener);
        return this;
    }

    /** The port actually bound (useful with port 0). */
    public synchronized int port() {
        if (listener == null) {
            throw new IllegalStateException("proxy not started");
        }
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public ProxyStats stats() {
        return stats;
    }

    public ProxyConfig config() {
        return config;
    }

    /** Stops listening, closes every client connection (their relays close the upstreams) and the event loops. */
    @Override
    public synchronized void close() {
        if (channels != null) {
            channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        shutdownGroup();
        listener = null;
    }

    private void shutdownGroup() {
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            group = null;
        }
    }
}

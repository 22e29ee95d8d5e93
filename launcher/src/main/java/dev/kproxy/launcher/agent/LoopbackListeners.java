package dev.kproxy.launcher.agent;

import dev.kproxy.proxy.Destination;
import dev.kproxy.proxy.Relay;
import dev.kproxy.proxy.Dialer;
import dev.kproxy.proxy.ProxyProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One listener on 127.0.0.1 (ephemeral port) per cluster destination an agent connected to
 * (ClusterIP:port or pod IP:port). Each accepted connection is dialled afresh through the
 * session's {@link Dialer} (the proxy port's {@code ClusterDialer}): the same endpoint choice,
 * round robin and pod-churn retry as the proxy port, over the same port-forward transport. A
 * failed dial resets the app's connection, as a refused connect would.
 */
final class LoopbackListeners implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LoopbackListeners.class);

    private final Dialer dialer;
    private final EventLoopGroup group;
    private final Map<String, Channel> listeners = new ConcurrentHashMap<>();
    /** Every open app and port-forward channel, closed before the event loop goes away. */
    private final ChannelGroup open = new DefaultChannelGroup("kproxy-agent-connections", GlobalEventExecutor.INSTANCE);

    LoopbackListeners(Dialer dialer, EventLoopGroup group) {
        this.dialer = dialer;
        this.group = group;
    }

    /** The loopback port standing for {@code ip:port}, opened on first use. */
    int portFor(String ip, int port) {
        Channel listener = listeners.computeIfAbsent(ip + " " + port, key -> open(ip, port));
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    int size() {
        return listeners.size();
    }

    /** Closes the listeners of destinations that are no longer in the cluster (a deleted pod's IP), so they do not pile up. */
    void retainClusterAddresses(java.util.function.Predicate<String> isClusterAddress) {
        listeners.entrySet().removeIf(e -> {
            String ip = e.getKey().substring(0, e.getKey().indexOf(' '));
            if (isClusterAddress.test(ip)) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    private Channel open(String ip, int port) {
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel app) {
                        forward(app, ip, port);
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).syncUninterruptibly().channel();
        LOG.debug("agent listener {} -> {}:{}", listener.localAddress(), ip, port);
        return listener;
    }

    private void forward(SocketChannel app, String ip, int port) {
        open.add(app);
        // Raw TCP to host:port, as a SOCKS5 CONNECT asks; the dialer uses the protocol only for its log.
        dialer.dial(new Destination(ip, port, ProxyProtocol.SOCKS5), app.eventLoop()).addListener((Future<Channel> dialled) -> {
            if (dialled.isSuccess()) {
                open.add(dialled.getNow());
                Relay.join(app, dialled.getNow());
            } else {
                LOG.info("{}:{} for a JVM agent client: {}", ip, port, dialled.cause().getMessage());
                app.config().setOption(ChannelOption.SO_LINGER, 0);
                app.close();
            }
        });
    }

    @Override
    public void close() {
        listeners.values().forEach(Channel::close);
        listeners.clear();
        open.close().awaitUninterruptibly(2, java.util.concurrent.TimeUnit.SECONDS);
    }
}

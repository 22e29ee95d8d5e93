package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;
import java.util.Optional;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * One listening socket of the kube-proxy stand-in (a ClusterIP twin or a NodePort): each accepted
 * connection goes to the endpoint the picker chooses, or is closed at once when there is none, as
 * a real Service without ready endpoints rejects connections.
 */
final class ServiceListener implements AutoCloseable {
    /** Chooses (and counts) the endpoint of each new connection; empty rejects it. */
    interface Routing {
        Optional<InetSocketAddress> route(ServicePort port);
    }

    private final InetSocketAddress address;
    private final ServicePort target;
    private final Channel server;

    private ServiceListener(InetSocketAddress address, ServicePort target, Channel server) {
        this.address = address;
        this.target = target;
        this.server = server;
    }

    /** Binds {@code address}; throws (with the bind error as cause) when it is taken. Accepted connections join {@code accepted}. */
    static ServiceListener bind(EventLoopGroup group, ChannelGroup accepted, InetSocketAddress address, ServicePort target,
            Routing routing) throws InterruptedException {
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel inbound) {
                        accepted.add(inbound);
                        connect(inbound, target, routing);
                    }
                })
                .bind(address)
                .sync();
        return new ServiceListener(address, target, bound.channel());
    }

    private static void connect(SocketChannel inbound, ServicePort target, Routing routing) {
        Optional<InetSocketAddress> endpoint = routing.route(target);
        if (endpoint.isEmpty()) {
            inbound.close();
            return;
        }
        new Bootstrap()
                .group(inbound.eventLoop())
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new TcpRelay(inbound))
                .connect(endpoint.get())
                .addListener((ChannelFuture connected) -> {
                    if (!connected.isSuccess()) {
                        inbound.close();
                        return;
                    }
                    Channel outbound = connected.channel();
                    if (!inbound.isActive()) {
                        outbound.close();
                        return;
                    }
                    inbound.pipeline().addLast(new TcpRelay(outbound));
                    inbound.closeFuture().addListener(f -> outbound.close());
                    inbound.config().setAutoRead(true);
                    outbound.config().setAutoRead(true);
                });
    }

    InetSocketAddress address() {
        return address;
    }

    ServicePort target() {
        return target;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }
}

package dev.kproxy.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.NoopAddressResolverGroup;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Connects to the destination from this machine over TCP. Names are resolved with the JDK
 * ({@link InetAddress#getByName}) on Netty's global executor so a slow lookup never blocks an
 * event loop; IP literals are used as they are.
 */
public final class DirectDialer implements Dialer {

    private final Duration connectTimeout;

    public DirectDialer() {
        this(Duration.ofSeconds(10));
    }

    public DirectDialer(Duration connectTimeout) {
        if (connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("connect timeout must be positive, got " + connectTimeout);
        }
        this.connectTimeout = connectTimeout;
    }

    @Override
    public Future<Channel> dial(Destination destination, EventLoop eventLoop) {
        Promise<Channel> promise = eventLoop.newPromise();
        byte[] literal = NetUtil.createByteArrayFromIpAddressString(destination.host());
        if (literal != null) {
            connect(destination, literalAddress(destination.host(), literal), eventLoop, promise);
        } else {
            GlobalEventExecutor.INSTANCE.submit(() -> InetAddress.getByName(destination.host()))
                    .addListener((Future<InetAddress> lookup) -> eventLoop.execute(() -> {
                        if (lookup.isSuccess()) {
                            connect(destination, lookup.getNow(), eventLoop, promise);
                        } else {
                            promise.tryFailure(DialFailure.classify(destination, lookup.cause()));
                        }
                    }));
        }
        return promise;
    }

    private static InetAddress literalAddress(String host, byte[] bytes) {
        try {
            return InetAddress.getByAddress(host, bytes);
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException("IP literal of invalid length: " + host, impossible);
        }
    }

    private void connect(Destination destination, InetAddress address, EventLoop eventLoop, Promise<Channel> promise) {
        ChannelFuture connect = new Bootstrap()
                .group(eventLoop)
                .channel(NioSocketChannel.class)
                .resolver(NoopAddressResolverGroup.INSTANCE)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // Off until the relay is installed (see Dialer's contract).
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // the relay adds its handler once the proxy handshake is done
                    }
                })
                .connect(new InetSocketAddress(address, destination.port()));
        connect.addListener((ChannelFuture done) -> {
            if (done.isSuccess()) {
                if (!promise.trySuccess(done.channel())) {
                    done.channel().close();
                }
            } else {
                promise.tryFailure(DialFailure.classify(destination, done.cause()));
            }
        });
    }
}

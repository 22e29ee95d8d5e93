package dev.kproxy.sandbox.network;

import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.function.Supplier;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

/**
 * Dials {@code podIp:port} the way every port-forward protocol does: NIO on the client
 * connection's own event loop (so the relay needs no locks), auto-read off until the relay says
 * otherwise, and the runtime's connect timeout.
 *
 * <p>The socket is bound to the pod IP first. A real runtime dials {@code localhost} inside the
 * pod's network namespace, so the pod sees port-forwarded connections come from its own address;
 * sandbox pod IPs are loopback addresses, and Linux would give a connection to 127.x.y.z the source
 * 127.0.0.1 (see intercept-agent/README.md, {@code KPROXY_AGENT_TUNNEL_ADDRESS}). The source port
 * comes from {@link SourcePorts}, not from the kernel's bind-time choice; a port that is taken
 * (a listener on it, or the same four-tuple still in TIME_WAIT) is skipped, and the last attempt
 * lets the kernel pick.
 */
final class PodDialer {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int ATTEMPTS = 8;
    private static final SourcePorts SOURCE_PORTS = SourcePorts.aboveEphemeralRange();

    private PodDialer() {
    }

    /**
     * {@code handler}: a new one per attempt (a failed attempt's channel keeps its own).
     * {@code halfClosure}: the pod's FIN arrives as an input-shutdown event instead of closing the socket.
     */
    static Future<Channel> dial(EventLoop loop, String podIp, int port, Supplier<ChannelHandler> handler, boolean halfClosure) {
        return dial(loop, podIp, port, handler, halfClosure, SOURCE_PORTS);
    }

    static Future<Channel> dial(EventLoop loop, String podIp, int port, Supplier<ChannelHandler> handler, boolean halfClosure,
            SourcePorts sourcePorts) {
        Promise<Channel> dialled = loop.newPromise();
        attempt(loop, podIp, port, handler, halfClosure, sourcePorts, ATTEMPTS, dialled);
        return dialled;
    }

    private static void attempt(EventLoop loop, String podIp, int port, Supplier<ChannelHandler> handler, boolean halfClosure,
            SourcePorts sourcePorts, int attemptsLeft, Promise<Channel> dialled) {
        int sourcePort = attemptsLeft > 1 ? sourcePorts.next() : 0;
        new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure)
                .option(ChannelOption.SO_REUSEADDR, sourcePort != 0)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(handler.get())
                .connect(new InetSocketAddress(podIp, port), new InetSocketAddress(podIp, sourcePort))
                .addListener((ChannelFutureListener) connect -> {
                    if (connect.isSuccess()) {
                        if (!dialled.trySuccess(connect.channel())) {
                            connect.channel().close();
                        }
                    } else if (sourcePort != 0 && sourcePortTaken(connect.cause())) {
                        attempt(loop, podIp, port, handler, halfClosure, sourcePorts, attemptsLeft - 1, dialled);
                    } else {
                        dialled.tryFailure(connect.cause());
                    }
                });
    }

    /** EADDRINUSE from bind and EADDRNOTAVAIL from connect; Netty wraps the JDK's exception. */
    private static boolean sourcePortTaken(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }
}

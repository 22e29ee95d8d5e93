package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Dials {@code podIp:port} the way every port-forward protocol does: NIO on the client
 * connection's own event loop (so the relay needs no locks), auto-read off until the relay says
 * otherwise, and the runtime's connect timeout.
 *
 * <p>The socket is bound to the pod IP first. A real runtime dials {@code localhost} inside the
 * pod's network namespace, so the pod sees port-forwarded connections come from its own address;
 * sandbox pod IPs are loopback addresses, and Linux would give a connection to 127.x.y.z the source
 * 127.0.0.1 (see intercept-agent/README.md, {@code KPROXY_AGENT_TUNNEL_ADDRESS}).
 */
final class PodDialer {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private PodDialer() {
    }

    /** {@code halfClosure}: the pod's FIN arrives as an input-shutdown event instead of closing the socket. */
    static ChannelFuture dial(EventLoop loop, String podIp, int port, ChannelHandler handler, boolean halfClosure) {
        return new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, halfClosure)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                .handler(handler)
                .connect(new InetSocketAddress(podIp, port), new InetSocketAddress(podIp, 0));
    }
}

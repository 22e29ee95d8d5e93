package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

import dev.kproxy.sandbox.api.LoopbackServer;
import dev.kproxy.sandbox.api.PortForwardEndpoint;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;

/**
 * The kubelet's streaming server (its HTTPS port, 10250 on a real node): serves
 * {@code /portForward/{namespace}/{pod}[/{uid}]} with the {@link PortForwardServer}, to the API
 * server only (TLS with a required client certificate, as {@code --client-ca-file} makes a real
 * kubelet demand). {@link KubeletProxy} is the API server's end of these connections.
 *
 * <p>It runs on event loops of its own, as a kubelet is a process of its own: the pod dials and the
 * port-forward sessions live here, and the API server only relays bytes.
 */
public final class KubeletStreamingServer implements AutoCloseable {
    private static final String PREFIX = "/portForward/";

    private final SslContext ssl;
    private final PortForwardEndpoint portForward;
    private final LongAdder accepted = new LongAdder();
    private final LoopbackServer server = new LoopbackServer("the sandbox kubelet", 2);

    public KubeletStreamingServer(SslContext ssl, PortForwardEndpoint portForward) {
        this.ssl = ssl;
        this.portForward = portForward;
    }

    /** Listens on an ephemeral port of 127.0.0.1 and returns its address. */
    public InetSocketAddress start() {
        return server.start(0, ch -> {
            accepted.increment();
            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()))
                    .addLast("http", new HttpServerCodec())
                    .addLast("aggregate", new HttpObjectAggregator(64 * 1024))
                    .addLast("route", new Route());
        });
    }

    /** Connections accepted since start: one per port-forward request the API server relayed. */
    public long connectionsAccepted() {
        return accepted.sum();
    }

    @Override
    public void close() {
        server.close();
    }

    /** kubelet/server/server.go routes: {@code /portForward/{podNamespace}/{podID}} and {@code .../{uid}}. */
    private final class Route extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String path = request.uri();
            int query = path.indexOf('?');
            String[] parts = (query < 0 ? path : path.substring(0, query)).split("/");
            // "", "portForward", namespace, pod[, uid]
            if (!path.startsWith(PREFIX) || parts.length < 4 || parts.length > 5) {
                // As Go's mux answers an unknown path (http.NotFound).
                GoHttpError.send(ctx.channel(), HttpResponseStatus.NOT_FOUND, "404 page not found", Map.of(),
                        HttpUtil.isKeepAlive(request));
                return;
            }
            portForward.upgrade(ctx, request, decode(parts[2]), decode(parts[3]));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a TLS failure (no client certificate) or a reset: nothing to answer
        }

        private static String decode(String segment) {
            return URLDecoder.decode(segment, StandardCharsets.UTF_8);
        }
    }
}

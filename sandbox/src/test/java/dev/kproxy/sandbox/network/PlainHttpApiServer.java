package dev.kproxy.sandbox.network;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kproxy.sandbox.api.LoopbackServer;
import dev.kproxy.sandbox.api.PortForwardEndpoint;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * A plain-HTTP stand-in for the sandbox API server with the same contract: it routes
 * {@code /api/v1/namespaces/{ns}/pods/{name}/portforward} to a {@link PortForwardEndpoint} on the
 * event loop and releases the request when the endpoint returns (SimpleChannelInboundHandler).
 */
final class PlainHttpApiServer implements AutoCloseable {
    private static final Pattern PORT_FORWARD = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward$");

    private final LoopbackServer server = new LoopbackServer("the plain API stand-in", 1);
    private final int port;

    PlainHttpApiServer(PortForwardEndpoint endpoint) {
        port = server.start(0, ch -> {
            ch.pipeline().addLast("http", new HttpServerCodec());
            ch.pipeline().addLast("aggregator", new HttpObjectAggregator(1 << 20));
            ch.pipeline().addLast("api", new SimpleChannelInboundHandler<FullHttpRequest>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
                    Matcher m = PORT_FORWARD.matcher(new QueryStringDecoder(request.uri()).path());
                    if (m.matches()) {
                        endpoint.upgrade(ctx, request, m.group(1), m.group(2));
                        return;
                    }
                    var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                            Unpooled.EMPTY_BUFFER);
                    HttpUtil.setContentLength(response, 0);
                    ctx.writeAndFlush(response);
                }
            });
        }).getPort();
    }

    int port() {
        return port;
    }

    String url(String scheme, String namespace, String pod, String query) {
        return scheme + "://127.0.0.1:" + port() + "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/portforward" + query;
    }

    @Override
    public void close() {
        server.close();
    }
}

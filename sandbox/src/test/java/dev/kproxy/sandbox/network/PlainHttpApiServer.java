package dev.kproxy.sandbox.network;

import java.net.InetSocketAddress;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kproxy.sandbox.api.PortForwardEndpoint;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
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

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    PlainHttpApiServer(PortForwardEndpoint endpoint) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
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
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String url(String scheme, String namespace, String pod, String query) {
        return scheme + "://127.0.0.1:" + port() + "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/portforward" + query;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}

package dev.kproxy.sandbox.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The streaming-HTTP watch kubectl and client-go use: a 200 with chunked transfer encoding, each
 * event a JSON object followed by a newline, flushed as it happens (apiserver/pkg/endpoints/handlers/watch.go).
 */
final class ChunkedWatchTransport implements WatchTransport {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private boolean ended;

    ChunkedWatchTransport(ChannelHandlerContext ctx, HttpRequest request) {
        this.ctx = ctx;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
        HttpUtil.setTransferEncodingChunked(head, true);
        if (keepAlive) {
            head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(head);
    }

    @Override
    public synchronized void send(byte[] event) {
        if (ended) {
            return;
        }
        byte[] line = new byte[event.length + 1];
        System.arraycopy(event, 0, line, 0, event.length);
        line[event.length] = '\n';
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(line)));
    }

    @Override
    public synchronized void end() {
        ended = true;
        if (keepAlive) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        } else {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void onClientGone(Runnable action) {
        ctx.channel().closeFuture().addListener(f -> action.run());
    }
}

package dev.kproxy.sandbox.api;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import tools.jackson.databind.JsonNode;

/** Writes complete HTTP responses, keeping the connection open when the client asked for keep-alive. */
final class HttpReplies {
    private HttpReplies() {
    }

    static ChannelFuture json(ChannelHandlerContext ctx, HttpRequest request, int code, JsonNode body) {
        return send(ctx, request, code, "application/json", StatusResponses.JSON.writeValueAsBytes(body));
    }

    static void text(ChannelHandlerContext ctx, HttpRequest request, int code, String body) {
        send(ctx, request, code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    static void error(ChannelHandlerContext ctx, HttpRequest request, ApiException e) {
        json(ctx, request, e.code(), StatusResponses.status(e));
    }

    private static ChannelFuture send(ChannelHandlerContext ctx, HttpRequest request, int code, String contentType, byte[] body) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache, private");
        HttpUtil.setContentLength(response, body.length);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            return ctx.writeAndFlush(response);
        }
        return ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}

package dev.kproxy.sandbox.network;

import java.util.Map;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;

/**
 * A refusal as the kubelet's Go code writes it with {@code http.Error} (and {@code http.NotFound}):
 * plain text and a newline, {@code X-Content-Type-Options: nosniff}. The API server's own refusals
 * are {@code Status} objects instead ({@link StatusReply}).
 */
final class GoHttpError {
    private GoHttpError() {
    }

    /** Writes the error; the connection stays open for the next request when the client keeps it alive. */
    static void send(Channel channel, HttpResponseStatus status, String text, Map<String, String> headers, boolean keepAlive) {
        byte[] body = (text + "\n").getBytes(CharsetUtil.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        response.headers().set("X-Content-Type-Options", "nosniff");
        headers.forEach(response.headers()::set);
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = channel.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}

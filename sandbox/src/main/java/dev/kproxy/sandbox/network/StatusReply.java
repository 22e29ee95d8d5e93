package dev.kproxy.sandbox.network;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A refused port-forward answered as the API server answers: a {@code v1 Status} object
 * (apimachinery/pkg/apis/meta/v1/types.go) with the HTTP code, reason and a readable message.
 */
record StatusReply(int code, String reason, String message, String detailsKind, String detailsName) {

    static StatusReply podNotFound(String name) {
        return new StatusReply(404, "NotFound", "pods \"" + name + "\" not found", "pods", name);
    }

    static StatusReply badRequest(String message) {
        return new StatusReply(400, "BadRequest", message, null, null);
    }

    ObjectNode toJson() {
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("kind", "Status");
        status.put("apiVersion", "v1");
        status.putObject("metadata");
        status.put("status", "Failure");
        status.put("message", message);
        status.put("reason", reason);
        if (detailsName != null) {
            status.putObject("details").put("name", detailsName).put("kind", detailsKind);
        }
        status.put("code", code);
        return status;
    }

    /** Writes the reply; the connection stays open for the next request when the client keeps it alive. */
    void send(Channel channel, boolean keepAlive) {
        byte[] body = toJson().toString().getBytes(CharsetUtil.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = channel.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }
}

package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's own HTTP answers: an error status with a one-line {@code kproxy: ...} body, after
 * which the connection is closed. Written as raw bytes after removing the HTTP codec, so it works
 * the same before and after a CONNECT took the codec out of the pipeline.
 */
final class HttpErrorReply {

    private HttpErrorReply() {
    }

    static void sendAndClose(Channel client, HttpResponseStatus status, String reason, String extraHeaderLine) {
        HttpServerCodec codec = client.pipeline().get(HttpServerCodec.class);
        if (codec != null) {
            client.pipeline().remove(codec);
        }
        String body = "kproxy: " + reason.replace('\r', ' ').replace('\n', ' ') + "\n";
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status.code() + " " + status.reasonPhrase() + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + bodyBytes.length + "\r\n"
                + (extraHeaderLine == null ? "" : extraHeaderLine + "\r\n")
                + "Connection: close\r\n\r\n";
        ByteBuf reply = client.alloc().buffer(head.length() + bodyBytes.length);
        ByteBufUtil.writeAscii(reply, head);
        reply.writeBytes(bodyBytes);
        client.writeAndFlush(reply);
        ChannelClosing.closeAfterFlush(client);
    }
}

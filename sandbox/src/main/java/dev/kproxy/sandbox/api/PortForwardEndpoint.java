package dev.kproxy.sandbox.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * Takes over a connection whose request is {@code GET|POST /api/v1/namespaces/{ns}/pods/{name}/portforward}.
 *
 * <p>The API server calls this on the channel's event loop after authentication and authorization.
 * From then on the implementation owns the channel: it answers (404 for a missing pod, 400 for a
 * bad request, 101 for an upgrade) and may rebuild the pipeline. The caller releases
 * {@code request} when this method returns: retain it to keep it longer.
 */
public interface PortForwardEndpoint {
    void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, String namespace, String podName);
}

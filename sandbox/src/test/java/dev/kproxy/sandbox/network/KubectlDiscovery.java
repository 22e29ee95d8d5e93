package dev.kproxy.sandbox.network;

import java.util.Optional;

import dev.kproxy.sandbox.store.ObjectStore;
import dev.kproxy.sandbox.store.ResourceCatalog;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.CharsetUtil;
import tools.jackson.databind.node.ObjectNode;

/**
 * The few read-only answers {@code kubectl port-forward pod/NAME} needs before it upgrades
 * (kubernetes-protocols.md: {@code /version}, {@code /api}, {@code /apis}, {@code /api/v1}, then
 * the pod), as plain JSON. A test stand-in only: the real sandbox API server serves all of this.
 */
final class KubectlDiscovery {
    private static final String VERSION = """
            {"major":"1","minor":"32","gitVersion":"v1.32.0-sandbox-test","platform":"linux/amd64"}""";
    private static final String API = """
            {"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}""";
    private static final String APIS = """
            {"kind":"APIGroupList","apiVersion":"v1","groups":[]}""";
    private static final String API_V1 = """
            {"kind":"APIResourceList","groupVersion":"v1","resources":[
            {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},
            {"name":"pods/portforward","singularName":"","namespaced":true,"kind":"PodPortForwardOptions","verbs":["create","get"]}]}""";

    private final ObjectStore store;

    KubectlDiscovery(ObjectStore store) {
        this.store = store;
    }

    /** Answers the request if it is one of kubectl's reads; false otherwise. */
    boolean answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.method().equals(HttpMethod.GET)) {
            return false;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        switch (path) {
            case "/version" -> send(ctx, HttpResponseStatus.OK, VERSION);
            case "/api" -> send(ctx, HttpResponseStatus.OK, API);
            case "/apis" -> send(ctx, HttpResponseStatus.OK, APIS);
            case "/api/v1" -> send(ctx, HttpResponseStatus.OK, API_V1);
            default -> {
                String[] parts = path.split("/");
                // /api/v1/namespaces/{ns}/pods/{name}
                if (parts.length != 7 || !parts[3].equals("namespaces") || !parts[5].equals("pods")) {
                    return false;
                }
                Optional<ObjectNode> pod = store.get(ResourceCatalog.POD, parts[4], parts[6]);
                if (pod.isEmpty()) {
                    send(ctx, HttpResponseStatus.NOT_FOUND, StatusReply.podNotFound(parts[6]).toJson().toString());
                } else {
                    ObjectNode copy = pod.get().deepCopy();
                    copy.put("kind", "Pod").put("apiVersion", "v1");
                    send(ctx, HttpResponseStatus.OK, copy.toString());
                }
            }
        }
        return true;
    }

    private static void send(ChannelHandlerContext ctx, HttpResponseStatus status, String json) {
        byte[] body = json.getBytes(CharsetUtil.UTF_8);
        var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        HttpUtil.setContentLength(response, body.length);
        ctx.writeAndFlush(response);
    }
}

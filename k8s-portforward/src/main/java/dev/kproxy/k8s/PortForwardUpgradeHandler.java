package dev.kproxy.k8s;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.util.concurrent.Promise;

import javax.net.ssl.SSLException;
import java.nio.charset.StandardCharsets;

/**
 * Sends the WebSocket upgrade for {@code pods/{pod}/portforward} and reads the answer: on 101 it
 * installs the {@code v4.channel.k8s.io} handlers in its own place; any other status fails the dial
 * with a one-line {@link PortForwardException} saying what is wrong and what to do.
 */
final class PortForwardUpgradeHandler extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final WebSocketClientHandshaker handshaker;
    private final PortForwardRequest request;
    private final Promise<Channel> promise;

    PortForwardUpgradeHandler(WebSocketClientHandshaker handshaker, PortForwardRequest request, Promise<Channel> promise) {
        this.handshaker = handshaker;
        this.request = request;
        this.promise = promise;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshaker.handshake(ctx.channel()).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fail(ctx, unreachable(f.cause()));
            }
        });
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
        if (!response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            fail(ctx, rejection(response));
            return;
        }
        try {
            handshaker.finishHandshake(ctx.channel(), response);
        } catch (WebSocketHandshakeException e) {
            fail(ctx, new PortForwardException(PortForwardException.Kind.PROTOCOL,
                    "the API server's port-forward upgrade is not v4.channel.k8s.io: " + e.getMessage()));
            return;
        }
        ctx.pipeline().addAfter(ctx.name(), "pf-prefix", new PortPrefixHandler(request.port(), promise));
        ctx.pipeline().addAfter(ctx.name(), "pf-encoder", new ChannelFrameEncoder());
        ctx.pipeline().addAfter(ctx.name(), "pf-decoder", new ChannelFrameDecoder());
        ctx.pipeline().remove(this);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        promise.tryFailure(new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                "the API server " + request.apiServer() + " closed the connection before answering the port-forward upgrade"));
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, unreachable(cause));
    }

    private PortForwardException unreachable(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && !(root instanceof SSLException)) {
            root = root.getCause();
        }
        String what = root instanceof SSLException ? "TLS with the API server " : "the API server ";
        return new PortForwardException(PortForwardException.Kind.UNREACHABLE,
                what + request.apiServer() + " failed: " + root.getMessage()
                        + "; check the server and certificate-authority of your kubeconfig", cause);
    }

    private PortForwardException rejection(FullHttpResponse response) {
        int code = response.status().code();
        String ns = request.namespace();
        String pod = request.pod();
        return switch (code) {
            case 404 -> new PortForwardException(PortForwardException.Kind.POD_NOT_FOUND,
                    "pod " + pod + " not found in namespace " + ns + "; check `kubectl get pods -n " + ns + "`");
            case 403 -> new PortForwardException(PortForwardException.Kind.FORBIDDEN,
                    "forbidden: your kubeconfig user may not create pods/portforward in namespace " + ns
                            + "; ask for RBAC permission `create pods/portforward` in namespace " + ns);
            case 401 -> new PortForwardException(PortForwardException.Kind.UNAUTHORIZED,
                    "the API server " + request.apiServer() + " rejected your credentials (401 Unauthorized);"
                            + " log in again or renew the token of your kubeconfig context");
            default -> new PortForwardException(PortForwardException.Kind.PROTOCOL,
                    "the API server refused port-forward to pod " + ns + "/" + pod + " with " + response.status()
                            + statusMessage(response));
        };
    }

    /** The {@code message} of a Kubernetes Status body, when the body is one. */
    private static String statusMessage(FullHttpResponse response) {
        String body = response.content().toString(StandardCharsets.UTF_8).strip();
        if (body.isEmpty()) {
            return "";
        }
        try {
            Status status = StatusJson.MAPPER.unmarshal(body, Status.class);
            if (status != null && status.getMessage() != null) {
                return ": " + status.getMessage();
            }
        } catch (RuntimeException notStatusJson) {
            // plain text bodies are shown as they are
        }
        String line = body.lines().findFirst().orElse("");
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    private void fail(ChannelHandlerContext ctx, PortForwardException failure) {
        promise.tryFailure(failure);
        ctx.close();
    }

    /** Built on first use only: fabric8's serialization registers every model type, which takes a while. */
    private static final class StatusJson {
        static final KubernetesSerialization MAPPER = new KubernetesSerialization();
    }
}

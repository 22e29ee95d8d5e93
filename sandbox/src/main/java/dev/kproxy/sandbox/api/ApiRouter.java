package dev.kproxy.sandbox.api;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.kproxy.sandbox.store.ResourceCatalog;
import dev.kproxy.sandbox.store.ResourceType;
import dev.kproxy.sandbox.store.StoreException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The boundary of every request: authenticate, route, and turn every failure into a
 * {@code v1 Status} reply so a bad request never costs the connection (or anyone else's).
 * One instance per connection.
 */
final class ApiRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRouter.class);

    /** What the router hands requests to; shared by all connections. */
    record Routes(Authenticator authenticator, RestHandler rest,
                  PortForwardEndpoint portForward, PodLogs podLogs, Supplier<JsonNode> sandboxStatus,
                  Runnable shutdown) {
    }

    /** The probes a real server answers with a plain "ok" (apiserver/pkg/server/healthz). */
    private static final Set<String> HEALTH = Set.of("/healthz", "/livez", "/readyz");

    private final Routes routes;

    ApiRouter(Routes routes) {
        this.routes = routes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        try {
            DecoderResult decoded = request.decoderResult();
            if (!decoded.isSuccess()) {
                // The byte stream is out of step with the framing: answer, then close.
                HttpUtil.setKeepAlive(request, false);
                throw ApiException.badRequest("malformed HTTP request: " + decoded.cause().getMessage());
            }
            route(ctx, request);
        } catch (ApiException e) {
            HttpReplies.error(ctx, request, e);
        } catch (StoreException e) {
            // The store words its messages as the apiserver does (pods "x" not found, ... already exists).
            StoreException.Reason r = e.reason();
            HttpReplies.error(ctx, request, new ApiException(r.httpCode, r.statusReason, e.getMessage()));
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", request.method(), request.uri(), e);
            HttpReplies.error(ctx, request, new ApiException(500, "InternalError",
                    "Internal error occurred: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request) {
        QueryStringDecoder url = new QueryStringDecoder(request.uri());
        String path = url.path();
        Identity user = routes.authenticator().authenticate(request);
        if (HEALTH.contains(path)) {
            HttpReplies.text(ctx, request, 200, "ok");
            return;
        }
        if (path.startsWith("/sandbox/")) {
            sandbox(ctx, request, user, path);
            return;
        }
        InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
        Optional<ObjectNode> discovery = DiscoveryDocuments.at(path, "127.0.0.1:" + local.getPort())
                .or(() -> OpenApiDocuments.at(path));
        if (discovery.isPresent()) {
            if (!request.method().equals(HttpMethod.GET)) {
                throw ApiException.methodNotAllowed(request.method().name());
            }
            HttpReplies.json(ctx, request, 200, discovery.get());
            return;
        }
        ApiPath api = ApiPath.parse(path).orElseThrow(ApiException::noSuchPath);
        ResourceType type = ResourceCatalog.byPlural(api.group(), api.version(), api.plural())
                .orElseThrow(ApiException::noSuchPath);
        ResourceRequest r = new ResourceRequest(ctx, request, user, type, api, url.parameters());
        if (type.equals(ResourceCatalog.POD) && api.name() != null && "portforward".equals(api.subresource())) {
            portForward(r);
        } else if (type.equals(ResourceCatalog.POD) && api.name() != null && "log".equals(api.subresource())) {
            logs(r);
        } else {
            routes.rest().handle(r);
        }
    }

    /** Kubernetes 1.35 asks for {@code create} on the WebSocket GET too (kubernetes-protocols.md). */
    private void portForward(ResourceRequest r) {
        HttpMethod m = r.http().method();
        if (!m.equals(HttpMethod.GET) && !m.equals(HttpMethod.POST)) {
            throw ApiException.methodNotAllowed(m.name());
        }
        r.authorize("create");
        routes.portForward().upgrade(r.ctx(), r.http(), r.namespace(), r.path().name());
    }

    private void logs(ResourceRequest r) {
        if (!r.http().method().equals(HttpMethod.GET)) {
            throw ApiException.methodNotAllowed(r.http().method().name());
        }
        r.authorize("get");
        String pod = r.path().name();
        String container = r.param("container");
        String text = routes.podLogs().read(r.namespace(), pod, container)
                .orElseThrow(() -> new ApiException(404, "NotFound", "no logs for pod \"" + pod + "\""
                        + (container == null ? "" : " container \"" + container + "\"")
                        + " in namespace \"" + r.namespace() + "\": it has not started or does not exist",
                        pod, "", "pods"));
        HttpReplies.text(r.ctx(), r.http(), 200, text);
    }

    private void sandbox(ChannelHandlerContext ctx, FullHttpRequest request, Identity user, String path) {
        String verb = request.method().name().toLowerCase(Locale.ROOT);
        if (!user.admin()) {
            throw ApiException.forbiddenPath(user.name(), verb, path);
        }
        if (path.equals("/sandbox/status") && request.method().equals(HttpMethod.GET)) {
            HttpReplies.json(ctx, request, 200, routes.sandboxStatus().get());
        } else if (path.equals("/sandbox/shutdown") && request.method().equals(HttpMethod.POST)) {
            // Off the event loop, once the answer is out: the action usually closes this very
            // server and waits for its threads.
            HttpReplies.json(ctx, request, 202, StatusResponses.success())
                    .addListener(f -> new Thread(routes.shutdown(), "sandbox-shutdown").start());
        } else {
            throw ApiException.noSuchPath();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent hs && !hs.isSuccess()) {
            LOG.debug("TLS handshake from {} failed: {}", ctx.channel().remoteAddress(), hs.cause().getMessage());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}

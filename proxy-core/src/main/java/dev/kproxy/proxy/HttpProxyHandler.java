package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP proxy front end, after {@link HttpServerCodec} on the client channel.
 *
 * <ul>
 *   <li>{@code CONNECT host:port}: the codec is removed at once (bytes after the request head are
 *       tunnel bytes), the upstream is dialled, {@code 200 Connection established} is written
 *       and the {@link Relay} takes over.</li>
 *   <li>Absolute-form requests are forwarded as origin-form over an upstream with
 *       {@link HttpClientCodec}; bodies stream piece by piece both ways. One exchange at a time:
 *       a pipelined next request waits (client reads paused) until the response is complete. The
 *       upstream is reused while the next request names the same host:port.</li>
 * </ul>
 * All state is touched on the client's event loop; {@link HttpUpstreamHandler} hops there.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    private static final String CONNECT_ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";

    private final Optional<ProxyCredentials> credentials;
    private final UpstreamConnector connector;
    /** Messages that arrived while dialling or during an exchange; bounded by one read (autoRead is off). */
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    private final List<ByteBuf> earlyTunnelBytes = new ArrayList<>();

    private Channel client;
    private Channel upstream;
    private String upstreamKey;
    private boolean upstreamReusable;
    private boolean dialling;
    private boolean tunnelling;
    private boolean closing;

    private boolean exchangeInProgress;
    private Destination exchangeDestination;
    private boolean exchangeIsHead;
    private boolean clientKeepAlive;
    private boolean responseStarted;
    private boolean informationalResponse;
    private boolean closeAfterResponse;

    HttpProxyHandler(Optional<ProxyCredentials> credentials, UpstreamConnector connector) {
        this.credentials = credentials;
        this.connector = connector;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        client = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
        } else if (tunnelling) {
            holdTunnelBytes(msg);
        } else if (!(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
        } else if (dialling || !waiting.isEmpty() || (exchangeInProgress && msg instanceof HttpRequest)) {
            waiting.add(object);
            client.config().setAutoRead(false);
        } else {
            handle(object);
        }
    }

    private void handle(HttpObject msg) {
        if (msg instanceof HttpRequest request) {
            startExchange(request);
        } else if (msg instanceof HttpContent content) {
            forwardRequestContent(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startExchange(HttpRequest request) {
        if (request.decoderResult().isFailure()) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + request.decoderResult().cause().getMessage(), null);
            return;
        }
        HandshakeDeadline.finished(client);
        if (credentials.isPresent()
                && !BasicProxyAuthorization.accepts(credentials.get(), request.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION))) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
                    "proxy authentication required (Proxy-Authorization: Basic)", BasicProxyAuthorization.CHALLENGE_HEADER);
            return;
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            startTunnel(request);
            return;
        }
        HttpTarget target;
        try {
            target = HttpTarget.ofAbsoluteUri(request.uri());
        } catch (HttpTarget.Invalid invalid) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.BAD_REQUEST, invalid.getMessage(), null);
            return;
        }
        exchangeInProgress = true;
        exchangeDestination = target.destination(ProxyProtocol.HTTP_FORWARD);
        exchangeIsHead = HttpMethod.HEAD.equals(request.method());
        clientKeepAlive = HttpUtil.isKeepAlive(request);
        responseStarted = false;
        informationalResponse = false;
        closeAfterResponse = false;
        HopByHopHeaders.strip(request.headers());
        request.setUri(target.originForm());
        if (!request.headers().contains(HttpHeaderNames.HOST)) {
            request.headers().set(HttpHeaderNames.HOST, exchangeDestination.hostAndPort());
        }
        String key = exchangeDestination.hostAndPort();
        if (upstream != null && upstream.isActive() && upstreamReusable && key.equals(upstreamKey)) {
            upstream.write(request);
            return;
        }
        dialUpstream(request, key);
    }

    private void dialUpstream(HttpRequest request, String key) {
        if (upstream != null) {
            Channel previous = upstream;
            upstream = null;
            previous.close();
        }
        dialling = true;
        client.config().setAutoRead(false);
        connector.connect(client, exchangeDestination, new UpstreamConnector.Outcome() {
            @Override
            public void connected(Channel connected) {
                dialling = false;
                if (closing) {
                    ReferenceCountUtil.release(request);
                    connected.close();
                    return;
                }
                upstream = connected;
                upstreamKey = key;
                upstreamReusable = true;
                // An upstream that ends its input (e.g. keep-alive timeout) is done: close it so
                // the next request dials a fresh one instead of writing into a dead connection.
                connected.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                connected.pipeline().addLast("http-client-codec", new HttpClientCodec());
                connected.pipeline().addLast("http-upstream", new HttpUpstreamHandler(HttpProxyHandler.this, client.eventLoop()));
                connected.config().setAutoRead(true);
                connected.write(request);
                drainWaiting();
                if (!connected.isActive()) {
                    upstreamClosed(connected);
                }
            }

            @Override
            public void failed(DialFailure failure) {
                dialling = false;
                ReferenceCountUtil.release(request);
                fail(HttpResponseStatus.valueOf(failure.kind().httpStatus()), failure.getMessage(), null);
            }
        });
    }

    private void forwardRequestContent(HttpContent content) {
        if (!exchangeInProgress || upstream == null) {
            // The rest of a body whose request was already answered: nobody needs it.
            content.release();
            return;
        }
        connector.stats().addBytesToUpstream(content.content().readableBytes());
        upstream.write(content);
        if (content instanceof LastHttpContent || !upstream.isWritable()) {
            upstream.flush();
        }
        // Checked after the flush, which may have drained the buffer and fired the writability event already.
        if (!upstream.isWritable()) {
            client.config().setAutoRead(false);
        }
    }

    /** Handles queued messages until one has to wait again (a dial, or the next exchange). */
    private void drainWaiting() {
        while (!waiting.isEmpty() && !dialling && !closing) {
            if (waiting.peekFirst() instanceof HttpRequest && exchangeInProgress) {
                break;
            }
            handle(waiting.pollFirst());
        }
        if (upstream != null) {
            upstream.flush();
        }
        resumeClientReads();
    }

    private void resumeClientReads() {
        if (waiting.isEmpty() && !dialling && !closing && !tunnelling && (upstream == null || upstream.isWritable())) {
            client.config().setAutoRead(true);
        }
    }

    // ---- called by HttpUpstreamHandler, on the client's event loop ----

    void upstreamRead(Channel from, HttpObject msg) {
        if (from != upstream || closing || !exchangeInProgress) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg.decoderResult().isFailure()) {
            ReferenceCountUtil.release(msg);
            failExchange(exchangeDestination.hostAndPort() + ": malformed response: " + msg.decoderResult().cause().getMessage());
            return;
        }
        if (msg instanceof HttpResponse response) {
            prepareResponse(response);
        }
        boolean last = msg instanceof LastHttpContent;
        if (msg instanceof HttpContent content) {
            connector.stats().addBytesToClient(content.content().readableBytes());
        }
        client.write(msg);
        if (last) {
            client.flush();
            if (informationalResponse) {
                informationalResponse = false;
            } else {
                exchangeFinished();
            }
        } else if (!client.isWritable()) {
            client.flush();
            // The flush may have drained it (and fired the writability event) already.
            if (!client.isWritable()) {
                from.config().setAutoRead(false);
            }
        }
    }

    private void prepareResponse(HttpResponse response) {
        int code = response.status().code();
        informationalResponse = code >= 100 && code < 200;
        responseStarted |= !informationalResponse;
        if (!HttpUtil.isKeepAlive(response)) {
            upstreamReusable = false;
        }
        boolean framed = HttpUtil.isContentLengthSet(response) || HttpUtil.isTransferEncodingChunked(response)
                || informationalResponse || code == 204 || code == 304 || exchangeIsHead;
        // Without a length or chunking the body ends when the upstream closes: so must the client's.
        closeAfterResponse |= !framed;
        HopByHopHeaders.strip(response.headers());
        if (!informationalResponse) {
            HttpUtil.setKeepAlive(response, clientKeepAlive && !closeAfterResponse);
        }
    }

    private void exchangeFinished() {
        exchangeInProgress = false;
        if (!clientKeepAlive || closeAfterResponse) {
            closing = true;
            releaseWaiting();
            ChannelClosing.closeAfterFlush(client);
            return;
        }
        drainWaiting();
    }

    void flushClient() {
        client.flush();
    }

    void upstreamWritabilityChanged(Channel from) {
        if (from == upstream && from.isWritable()) {
            resumeClientReads();
        }
    }

    void upstreamClosed(Channel from) {
        if (from != upstream) {
            return;
        }
        upstream = null;
        if (exchangeInProgress && !closing) {
            failExchange(exchangeDestination.hostAndPort() + ": connection closed before the response was complete");
        }
    }

    private void failExchange(String reason) {
        log.debug("http {}: {}", client, reason);
        if (responseStarted) {
            closing = true;
            releaseWaiting();
            if (upstream != null) {
                upstream.close();
            }
            client.close();
        } else {
            connector.stats().recordError(exchangeDestination, reason);
            fail(HttpResponseStatus.BAD_GATEWAY, reason, null);
        }
    }

    // ---- CONNECT ----

    private void startTunnel(HttpRequest request) {
        HttpTarget target;
        try {
            target = HttpTarget.ofConnect(request.uri());
        } catch (HttpTarget.Invalid invalid) {
            ReferenceCountUtil.release(request);
            fail(HttpResponseStatus.BAD_REQUEST, invalid.getMessage(), null);
            return;
        }
        ReferenceCountUtil.release(request);
        tunnelling = true;
        client.config().setAutoRead(false);
        // Everything after the request head is tunnel data: take the codec out before it parses it.
        client.pipeline().remove(HttpServerCodec.class);
        connector.connect(client, target.destination(ProxyProtocol.HTTP_CONNECT), new UpstreamConnector.Outcome() {
            @Override
            public void connected(Channel tunnel) {
                client.writeAndFlush(ByteBufUtil.writeAscii(client.alloc(), CONNECT_ESTABLISHED));
                Relay.join(client, tunnel, connector.stats());
                for (ByteBuf early : earlyTunnelBytes) {
                    connector.stats().addBytesToUpstream(early.readableBytes());
                    tunnel.write(early);
                }
                earlyTunnelBytes.clear();
                tunnel.flush();
                client.pipeline().remove(HttpProxyHandler.this);
            }

            @Override
            public void failed(DialFailure failure) {
                fail(HttpResponseStatus.valueOf(failure.kind().httpStatus()), failure.getMessage(), null);
            }
        });
    }

    private void holdTunnelBytes(Object msg) {
        if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
            earlyTunnelBytes.add(bytes);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    // ---- errors and teardown ----

    private void fail(HttpResponseStatus status, String reason, String extraHeaderLine) {
        closing = true;
        releaseWaiting();
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        log.debug("http {}: {} {}", client, status.code(), reason);
        HttpErrorReply.sendAndClose(client, status, reason, extraHeaderLine);
    }

    private void releaseWaiting() {
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        earlyTunnelBytes.forEach(ByteBuf::release);
        earlyTunnelBytes.clear();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.flush();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (upstream != null) {
            upstream.config().setAutoRead(client.isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        releaseWaiting();
        if (upstream != null) {
            upstream.close();
            upstream = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseWaiting();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("http {}: {}", ctx.channel(), cause.toString());
        ctx.close();
    }
}

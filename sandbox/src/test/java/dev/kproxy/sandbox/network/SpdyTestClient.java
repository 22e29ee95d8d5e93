package dev.kproxy.sandbox.network;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.spdy.DefaultSpdyDataFrame;
import io.netty.handler.codec.spdy.DefaultSpdyGoAwayFrame;
import io.netty.handler.codec.spdy.DefaultSpdyPingFrame;
import io.netty.handler.codec.spdy.DefaultSpdyRstStreamFrame;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdyFrameCodec;
import io.netty.handler.codec.spdy.SpdyGoAwayFrame;
import io.netty.handler.codec.spdy.SpdyPingFrame;
import io.netty.handler.codec.spdy.SpdyRstStreamFrame;
import io.netty.handler.codec.spdy.SpdyStreamStatus;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * A SPDY/3.1 port-forward client for tests, written with Netty's client-side codecs (kproxy has no
 * SPDY client to share code with): upgrades plainly or through a WebSocket tunnel, sends frames
 * the way kubectl does (or deliberately not), and records every frame the server sends. In the
 * tunnel, every flush is cut into binary messages of {@code messageBytes} bytes regardless of SPDY
 * frame boundaries, so frames span messages and messages hold pieces of several frames.
 */
final class SpdyTestClient implements AutoCloseable {
    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final CompletableFuture<FullHttpResponse> upgraded = new CompletableFuture<>();
    private Channel channel;

    final Map<Integer, ByteArrayOutputStream> data = new ConcurrentHashMap<>();
    final Set<Integer> finished = ConcurrentHashMap.newKeySet();
    final Map<Integer, Map<String, String>> replies = new ConcurrentHashMap<>();
    /** System.nanoTime() when each SYN_REPLY and each PING (by id) arrived. */
    final Map<Integer, Long> replyArrivals = new ConcurrentHashMap<>();
    final Map<Integer, Long> pingArrivals = new ConcurrentHashMap<>();
    final Map<Integer, SpdyStreamStatus> resets = new ConcurrentHashMap<>();
    final Set<Integer> pings = ConcurrentHashMap.newKeySet();
    final CompletableFuture<Integer> goAwayStatus = new CompletableFuture<>();

    private SpdyTestClient() {
    }

    /** {@code POST …/portforward} with {@code Upgrade: SPDY/3.1}; returns once the 101 arrived. */
    static SpdyTestClient plain(int apiPort, String namespace, String pod) throws Exception {
        SpdyTestClient client = new SpdyTestClient();
        client.connect(apiPort, ch -> {
            var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path(namespace, pod));
            request.headers().set(HttpHeaderNames.HOST, "127.0.0.1").set(HttpHeaderNames.CONNECTION, "Upgrade")
                    .set(HttpHeaderNames.UPGRADE, "SPDY/3.1").set("X-Stream-Protocol-Version", "portforward.k8s.io")
                    .set(HttpHeaderNames.CONTENT_LENGTH, 0);
            ch.writeAndFlush(request);
        }, null, 0);
        return client;
    }

    /** A WebSocket with subprotocol {@code SPDY/3.1+portforward.k8s.io}; returns once the 101 arrived. */
    static SpdyTestClient tunnel(int apiPort, String namespace, String pod, int messageBytes) throws Exception {
        SpdyTestClient client = new SpdyTestClient();
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                URI.create("ws://127.0.0.1:" + apiPort + path(namespace, pod)), WebSocketVersion.V13,
                "SPDY/3.1+portforward.k8s.io", false, new DefaultHttpHeaders(), 1 << 20);
        client.connect(apiPort, handshaker::handshake, handshaker, messageBytes);
        return client;
    }

    private static String path(String namespace, String pod) {
        return "/api/v1/namespaces/" + namespace + "/pods/" + pod + "/portforward";
    }

    private void connect(int port, java.util.function.Consumer<Channel> sendUpgrade, WebSocketClientHandshaker ws,
                         int messageBytes) throws Exception {
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast("http", new HttpClientCodec());
                        ch.pipeline().addLast("aggregate", new HttpObjectAggregator(1 << 16));
                        ch.pipeline().addLast("upgrade", new SimpleChannelInboundHandler<FullHttpResponse>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                                if (response.status().code() != 101) {
                                    upgraded.complete(response.retainedDuplicate());
                                    ctx.close();
                                    return;
                                }
                                var p = ctx.pipeline();
                                if (ws != null) {
                                    ws.finishHandshake(ctx.channel(), response);
                                    p.addLast("bytes", new ChunkingByteStream(messageBytes));
                                } else {
                                    p.remove("aggregate");
                                }
                                p.addLast("spdy", new SpdyFrameCodec(SpdyVersion.SPDY_3_1));
                                p.addLast("record", new Recorder());
                                p.remove(this);
                                if (ws == null) {
                                    p.remove("http");
                                }
                                upgraded.complete(response.retainedDuplicate());
                            }
                        });
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        // On the event loop: Netty's client handshaker adds its frame encoder in a listener on the
        // request's write; added from another thread, that listener can run after the 101 was handled
        // and the HTTP codec it looks for is gone, leaving the pipeline without a WebSocket encoder.
        Channel ch = channel;
        ch.eventLoop().execute(() -> sendUpgrade.accept(ch));
        FullHttpResponse response = upgraded.get(30, TimeUnit.SECONDS);
        if (response.status().code() != 101) {
            throw new Refused(response);
        }
        response.release();
    }

    /** The upgrade was answered with something else than 101; carries that response. */
    static final class Refused extends RuntimeException {
        final transient FullHttpResponse response;

        Refused(FullHttpResponse response) {
            super("upgrade refused: " + response.status(), null, false, false);
            this.response = response;
        }
    }

    /** The response to an upgrade that was refused; the caller releases it. */
    static FullHttpResponse refusedPlainUpgrade(int apiPort, String namespace, String pod, String protocolVersion)
            throws Exception {
        SpdyTestClient client = new SpdyTestClient();
        try {
            client.connect(apiPort, ch -> {
                var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path(namespace, pod));
                request.headers().set(HttpHeaderNames.HOST, "127.0.0.1").set(HttpHeaderNames.CONNECTION, "Upgrade")
                        .set(HttpHeaderNames.UPGRADE, "SPDY/3.1").set(HttpHeaderNames.CONTENT_LENGTH, 0);
                if (protocolVersion != null) {
                    request.headers().set("X-Stream-Protocol-Version", protocolVersion);
                }
                ch.writeAndFlush(request);
            }, null, 0);
        } catch (Refused refused) {
            return refused.response;
        } finally {
            client.close();
        }
        throw new AssertionError("the upgrade was accepted");
    }

    /** A SYN_STREAM as kubectl sends it (lowercase port-forward headers). */
    void synStream(int id, String streamType, int port, String requestId) {
        SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
        if (streamType != null) {
            syn.headers().set("streamtype", streamType);
        }
        syn.headers().set("port", Integer.toString(port));
        if (requestId != null) {
            syn.headers().set("requestid", requestId);
        }
        channel.writeAndFlush(syn).syncUninterruptibly();
    }

    /** kubectl's two streams for one connection, written in one flush (one tunnel message run). */
    void openPair(int errorId, int dataId, int port, String requestId) {
        for (int id : new int[] {errorId, dataId}) {
            SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(id, 0, (byte) 0);
            syn.headers().set("streamtype", id == errorId ? "error" : "data").set("port", Integer.toString(port))
                    .set("requestid", requestId);
            channel.write(syn);
        }
        channel.write(new DefaultSpdyDataFrame(errorId).setLast(true));
        channel.flush();
    }

    void send(int id, byte[] bytes, boolean fin) {
        channel.writeAndFlush(new DefaultSpdyDataFrame(id, Unpooled.wrappedBuffer(bytes)).setLast(fin)).syncUninterruptibly();
    }

    void fin(int id) {
        channel.writeAndFlush(new DefaultSpdyDataFrame(id).setLast(true)).syncUninterruptibly();
    }

    void reset(int id) {
        channel.writeAndFlush(new DefaultSpdyRstStreamFrame(id, SpdyStreamStatus.CANCEL)).syncUninterruptibly();
    }

    void ping(int id) {
        channel.writeAndFlush(new DefaultSpdyPingFrame(id)).syncUninterruptibly();
    }

    void goAway() {
        channel.writeAndFlush(new DefaultSpdyGoAwayFrame(0)).syncUninterruptibly();
    }

    /** Bytes that are no SPDY frame, written under the codec. */
    void sendGarbage(byte[] bytes) {
        channel.pipeline().context("spdy").writeAndFlush(Unpooled.wrappedBuffer(bytes)).syncUninterruptibly();
    }

    /** Stops or resumes reading from the server, to play a slow reader. */
    void reading(boolean on) {
        channel.config().setAutoRead(on);
    }

    String text(int streamId) {
        ByteArrayOutputStream b = data.get(streamId);
        return b == null ? "" : b.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    long received(int streamId) {
        ByteArrayOutputStream b = data.get(streamId);
        return b == null ? 0 : b.size();
    }

    boolean closed() {
        return !channel.isActive();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Records what the server sends. */
    private final class Recorder extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SpdyDataFrame d) {
                ByteArrayOutputStream out = data.computeIfAbsent(d.streamId(), k -> new ByteArrayOutputStream());
                byte[] bytes = new byte[d.content().readableBytes()];
                d.content().readBytes(bytes);
                synchronized (out) {
                    out.writeBytes(bytes);
                }
                if (d.isLast()) {
                    finished.add(d.streamId());
                }
            } else if (msg instanceof SpdySynReplyFrame r) {
                Map<String, String> headers = new ConcurrentHashMap<>();
                r.headers().forEach(e -> headers.put(e.getKey().toString(), e.getValue().toString()));
                replies.put(r.streamId(), headers);
                replyArrivals.put(r.streamId(), System.nanoTime());
            } else if (msg instanceof SpdyRstStreamFrame r) {
                resets.put(r.streamId(), r.status());
            } else if (msg instanceof SpdyPingFrame p) {
                pingArrivals.put(p.id(), System.nanoTime());
                pings.add(p.id());
            } else if (msg instanceof SpdyGoAwayFrame g) {
                goAwayStatus.complete(g.status().code());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Binary messages in, and out cut into {@code size}-byte messages at each flush. */
    private static final class ChunkingByteStream extends ChannelDuplexHandler {
        private final int size;
        private CompositeByteBuf pending;

        ChunkingByteStream(int size) {
            this.size = size;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof BinaryWebSocketFrame || msg instanceof io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame) {
                ByteBuf content = ((WebSocketFrame) msg).content().retain();
                ReferenceCountUtil.release(msg);
                ctx.fireChannelRead(content);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof ByteBuf b) {
                if (pending == null) {
                    pending = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
                }
                pending.addComponent(true, b);
                promise.setSuccess();
            } else {
                ctx.write(msg, promise);
            }
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (pending != null) {
                while (pending.isReadable()) {
                    ctx.write(new BinaryWebSocketFrame(pending.readRetainedSlice(Math.min(size, pending.readableBytes()))));
                }
                pending.release();
                pending = null;
            }
            ctx.flush();
        }
    }
}

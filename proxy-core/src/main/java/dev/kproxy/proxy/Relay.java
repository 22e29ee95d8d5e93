package dev.kproxy.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import java.util.function.LongConsumer;

/**
 * Joins a client channel and an upstream channel once a proxy handshake succeeded: bytes flow
 * both ways through a {@link RelayHandler} on each side. The caller removes its handshake handler
 * <em>after</em> calling {@link #join}, so bytes the client sent early are relayed, not lost.
 */
public final class Relay {

    static final String HANDLER_NAME = "relay";

    private Relay() {
    }

    static void join(Channel client, Channel upstream, ProxyStats stats) {
        join(client, upstream, stats::addBytesToUpstream, stats::addBytesToClient);
    }

    /**
     * For connections that did not come through a proxy handshake (the daemon's loopback
     * listeners for Java agents): the same relay, counting nothing. Both channels must have been
     * opened with {@code autoRead} off.
     */
    public static void join(Channel client, Channel upstream) {
        join(client, upstream, bytes -> { }, bytes -> { });
    }

    private static void join(Channel client, Channel upstream, LongConsumer toUpstream, LongConsumer toClient) {
        HandshakeDeadline.finished(client);
        // Half-close needs this on both sides: without it Netty closes a channel at input EOF.
        client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        upstream.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        client.pipeline().addLast(HANDLER_NAME, new RelayHandler(upstream, toUpstream));
        upstream.pipeline().addLast(HANDLER_NAME, new RelayHandler(client, toClient));
        if (!client.isActive()) {
            client.close();
            upstream.close();
            return;
        }
        client.config().setAutoRead(true);
        // An upstream that already ended (a server that wrote and closed at once, e.g. over
        // port-forward) may still hold what it read: this read hands it to the relay, which then
        // closes the client after flushing. A plain closed socket fires nothing, hence the close.
        upstream.config().setAutoRead(true);
        // The check runs on the upstream's loop, queued behind that read: called from the client's
        // loop, read() only queues a task there, and closing the client at once would overtake
        // what that read hands to the relay.
        upstream.eventLoop().execute(() -> {
            if (!upstream.isActive()) {
                ChannelClosing.closeAfterFlush(client);
            }
        });
    }
}

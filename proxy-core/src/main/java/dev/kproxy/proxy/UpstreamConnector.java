package dev.kproxy.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the {@link Dialer} for a destination on behalf of one client channel and reports the
 * outcome back on the client's event loop. Failures are logged once here and kept in
 * {@link ProxyStats}; an upstream that connects after its client left is closed.
 */
final class UpstreamConnector {

    interface Outcome {
        void connected(Channel upstream);

        void failed(DialFailure failure);
    }

    private static final Logger log = LoggerFactory.getLogger(UpstreamConnector.class);

    private final Dialer dialer;
    private final ProxyStats stats;

    UpstreamConnector(Dialer dialer, ProxyStats stats) {
        this.dialer = dialer;
        this.stats = stats;
    }

    ProxyStats stats() {
        return stats;
    }

    /**
     * For a handshake handler whose request is complete: pauses the client, dials, and on success
     * writes {@code successReply}, joins the {@link Relay} and removes the handler (whose buffered
     * bytes then go to the relay).
     */
    void connectThenRelay(ChannelHandlerContext ctx, Destination destination,
                          Function<Channel, ByteBuf> successReply, Consumer<DialFailure> onFailure) {
        Channel client = ctx.channel();
        client.config().setAutoRead(false);
        HandshakeDeadline.finished(client);
        connect(client, destination, new Outcome() {
            @Override
            public void connected(Channel upstream) {
                ctx.writeAndFlush(successReply.apply(upstream));
                Relay.join(client, upstream, stats);
                ctx.pipeline().remove(ctx.handler());
            }

            @Override
            public void failed(DialFailure failure) {
                onFailure.accept(failure);
            }
        });
    }

    void connect(Channel client, Destination destination, Outcome outcome) {
        Future<Channel> dial;
        try {
            dial = dialer.dial(destination, client.eventLoop());
        } catch (RuntimeException e) {
            dial = client.eventLoop().newFailedFuture(e);
        }
        // Always a task of its own, even when the dial is already done: the caller is inside a
        // read, and must finish it before the relay takes the pipeline. (An HTTP codec fires the
        // CONNECT request's LastHttpContent after the request; delivered inline, the relay was
        // already in place and sent it to the upstream, which closed the tunnel.)
        dial.addListener((Future<Channel> done) -> client.eventLoop().execute(() -> deliver(client, destination, done, outcome)));
    }

    private void deliver(Channel client, Destination destination, Future<Channel> done, Outcome outcome) {
        if (done.isSuccess()) {
            Channel upstream = done.getNow();
            if (client.isActive()) {
                outcome.connected(upstream);
            } else {
                upstream.close();
            }
            return;
        }
        DialFailure failure = DialFailure.classify(destination, done.cause());
        stats.recordError(destination, failure.getMessage());
        log.info("kproxy: {} ({}, {})", failure.getMessage(), destination.protocol(), failure.kind());
        if (client.isActive()) {
            outcome.failed(failure);
        }
    }
}

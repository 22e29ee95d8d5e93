package dev.kproxy.proxy;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;

/**
 * Opens a connection to a {@link Destination}. kproxy's cluster-aware dialer carries it over
 * Kubernetes port-forward; {@link DirectDialer} connects from this machine.
 *
 * <p>Contract:
 * <ul>
 *   <li>The future succeeds with a connected Netty {@link Channel} whose bytes are the target's
 *       bytes, whatever carries them. The proxy installs its relay handler at the end of the
 *       channel's pipeline and then turns {@code autoRead} on, so the channel should be handed
 *       over with {@code autoRead} off (otherwise a server-first greeting can be lost).</li>
 *   <li>If the channel is a {@link io.netty.channel.socket.DuplexChannel} (TCP), client EOF is
 *       propagated with {@code shutdownOutput()}; other channels are closed after flushing.</li>
 *   <li>The future fails with a {@link DialFailure} whose kind picks the protocol's error reply;
 *       any other exception is classified by {@link DialFailure#classify}.</li>
 *   <li>{@code eventLoop} is the client channel's loop: using it avoids cross-thread hand-offs.</li>
 * </ul>
 */
@FunctionalInterface
public interface Dialer {
    Future<Channel> dial(Destination destination, EventLoop eventLoop);
}

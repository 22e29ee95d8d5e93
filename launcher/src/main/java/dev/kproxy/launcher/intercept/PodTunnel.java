package dev.kproxy.launcher.intercept;

import dev.kproxy.k8s.PortForwardTransport;
import dev.kproxy.tunnel.LocalTargets;
import dev.kproxy.tunnel.TunnelClient;
import dev.kproxy.tunnel.TunnelSession;
import io.netty.channel.Channel;

import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The laptop's tunnel to one agent pod: a port-forward to the agent's tunnel port, with the tunnel
 * protocol's {@link TunnelClient} on it, which relays every connection the agent sends to the local port.
 */
final class PodTunnel implements Closeable {
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);

    private final String pod;
    private final TunnelClient client;

    private PodTunnel(String pod, TunnelClient client) {
        this.pod = pod;
        this.client = client;
    }

    /** Opens and handshakes, blocking; fails with one line naming the pod and the cause. */
    static PodTunnel open(PortForwardTransport transport, String namespace, String pod, int tunnelPort, LocalTargets targets)
            throws IOException {
        Channel channel;
        try {
            channel = transport.open(namespace, pod, tunnelPort).get(OPEN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException("port-forward to " + namespace + "/" + pod + ":" + tunnelPort + " failed: " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new IOException("port-forward to " + namespace + "/" + pod + ":" + tunnelPort + " did not open within "
                    + OPEN_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the tunnel to " + pod);
        }
        ChannelStreams streams = ChannelStreams.attach(channel);
        TunnelClient client = new TunnelClient(streams.input(), streams.output(), streams, targets,
                TunnelSession.DEFAULT_INITIAL_WINDOW, pod);
        client.start();
        try {
            if (!client.awaitAttached(HELLO_TIMEOUT)) {
                String reason = client.closed().getNow("no HELLO from the agent within " + HELLO_TIMEOUT.toSeconds() + " s");
                client.close();
                throw new IOException("agent in " + namespace + "/" + pod + " did not attach: " + reason);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IOException("interrupted while attaching to " + pod);
        }
        return new PodTunnel(pod, client);
    }

    String pod() {
        return pod;
    }

    boolean isOpen() {
        return client.session().isOpen();
    }

    long connections() {
        return client.streamsAccepted();
    }

    CompletableFuture<String> closed() {
        return client.closed();
    }

    @Override
    public void close() {
        client.close();
    }
}

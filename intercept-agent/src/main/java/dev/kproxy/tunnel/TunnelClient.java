package dev.kproxy.tunnel;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The laptop's end of a tunnel: answers the agent's PINGs (and pings it back), and for each OPEN dials the
 * local target and relays. A refused local dial resets just that stream, with a reason the agent logs.
 * The byte stream is whatever carries the tunnel: a port-forward, or in tests a plain socket.
 */
public final class TunnelClient implements Closeable {
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

    private final LocalTargets targets;
    private final TunnelSession session;
    private final ExecutorService relays;
    private final ScheduledExecutorService heartbeat;
    private final AtomicLong streamsAccepted = new AtomicLong();

    public TunnelClient(InputStream in, OutputStream out, Closeable transport, LocalTargets targets) {
        this(in, out, transport, targets, TunnelSession.DEFAULT_INITIAL_WINDOW, "laptop");
    }

    public TunnelClient(InputStream in, OutputStream out, Closeable transport, LocalTargets targets,
                        int initialWindow, String name) {
        this.targets = targets;
        this.relays = Executors.newCachedThreadPool(new DaemonThreads("tunnel-relay-" + name));
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(new DaemonThreads("tunnel-heartbeat-" + name));
        this.session = new TunnelSession(Role.LAPTOP, in, out, transport, initialWindow, this::accept, name);
        session.closed().whenComplete((reason, error) -> {
            heartbeat.shutdownNow();
            relays.shutdown();
        });
    }

    /** A client over a connected socket (a stand-in for a port-forward), started. */
    public static TunnelClient connect(Socket socket, LocalTargets targets) throws IOException {
        socket.setTcpNoDelay(true);
        TunnelClient client = new TunnelClient(socket.getInputStream(), socket.getOutputStream(), socket, targets);
        client.start();
        return client;
    }

    public void start() {
        session.start();
        Heartbeat.start(session, heartbeat, Heartbeat.DEFAULT_INTERVAL, Heartbeat.DEFAULT_TIMEOUT);
    }

    /** True once the agent answered HELLO. */
    public boolean awaitAttached(Duration timeout) throws InterruptedException {
        return session.awaitHandshake(timeout);
    }

    public TunnelSession session() {
        return session;
    }

    /** Completes with the reason when the tunnel ends. */
    public CompletableFuture<String> closed() {
        return session.closed();
    }

    /** Connections the agent sent over this tunnel so far (each one an OPEN). */
    public long streamsAccepted() {
        return streamsAccepted.get();
    }

    private void accept(TunnelStream stream) {
        streamsAccepted.incrementAndGet();
        try {
            relays.execute(() -> dialAndRelay(stream));
        } catch (RejectedExecutionException e) {
            stream.abort("laptop tunnel client is shutting down");
        }
    }

    private void dialAndRelay(TunnelStream stream) {
        int port = stream.request().interceptedPort();
        Optional<InetSocketAddress> target = targets.resolve(port);
        if (target.isEmpty()) {
            stream.abort("no local port for intercepted port " + port + " on the laptop");
            return;
        }
        InetSocketAddress address = target.get();
        String where = address.getAddress().getHostAddress() + ":" + address.getPort();
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(address, CONNECT_TIMEOUT_MILLIS);
            new Relay(new SocketEnd(socket), stream).start(relays);
        } catch (ConnectException e) {
            SocketEnd.release(socket);
            stream.abort("connection refused by " + where + " on the laptop");
        } catch (IOException | RejectedExecutionException e) {
            SocketEnd.release(socket);
            stream.abort("cannot reach " + where + " on the laptop: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        session.close("laptop disconnected");
        relays.shutdownNow();
        heartbeat.shutdownNow();
    }
}

package dev.kproxy.agent;

import dev.kproxy.tunnel.Heartbeat;
import dev.kproxy.tunnel.Role;
import dev.kproxy.tunnel.SocketEnd;
import dev.kproxy.tunnel.TunnelSession;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Accepts laptop tunnels on the tunnel addresses. A port-forward enters the pod from the pod's own network
 * namespace, so its connections come from one of the addresses the listener is bound to; a connection from
 * anywhere else (another pod) is refused, and each such address is logged once.
 */
final class TunnelListener implements Closeable {
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(5);

    private final AgentConfig config;
    private final TunnelSlot slot;
    private final ExecutorService workers;
    private final ScheduledExecutorService scheduler;
    private final Set<InetAddress> allowedPeers;
    private final Set<InetAddress> refusedPeers = ConcurrentHashMap.newKeySet();
    private final List<ServerSocket> servers = new ArrayList<>();

    TunnelListener(AgentConfig config, TunnelSlot slot, ExecutorService workers, ScheduledExecutorService scheduler) {
        this.config = config;
        this.slot = slot;
        this.workers = workers;
        this.scheduler = scheduler;
        this.allowedPeers = Set.copyOf(config.tunnelAddresses());
    }

    /** Binds every tunnel address that exists here (a pod may lack IPv6); fails if none could be bound. */
    void start() throws IOException {
        IOException lastFailure = null;
        for (InetAddress address : config.tunnelAddresses()) {
            ServerSocket server = new ServerSocket();
            try {
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(address, config.tunnelPort()));
            } catch (IOException e) {
                server.close();
                lastFailure = e;
                AgentLog.info("cannot listen for tunnels on " + AddressText.format(address, config.tunnelPort())
                        + ": " + e.getMessage());
                continue;
            }
            servers.add(server);
            AgentLog.info("listening for tunnels on " + AddressText.format(address, server.getLocalPort()));
            AcceptLoop.start(server, "tunnel-accept-" + address.getHostAddress(), this::admit);
        }
        if (servers.isEmpty()) {
            throw new IOException("cannot listen for tunnels on any of " + config.tunnelAddresses() + ": "
                    + (lastFailure == null ? "no address" : lastFailure.getMessage()));
        }
    }

    private void admit(Socket socket) {
        InetAddress peer = socket.getInetAddress();
        if (!allowedPeers.contains(peer)) {
            if (refusedPeers.add(peer)) {
                AgentLog.info("refused a tunnel connection from " + peer.getHostAddress()
                        + ": only connections from " + AddressText.formatAll(allowedPeers)
                        + " (a port-forward) may attach");
            }
            SocketEnd.release(socket);
            return;
        }
        workers.execute(() -> handshake(socket));
    }

    private void handshake(Socket socket) {
        String peer = AddressText.format(socket.getInetAddress(), socket.getPort());
        try {
            socket.setTcpNoDelay(true);
            TunnelSession session = new TunnelSession(Role.AGENT, socket.getInputStream(), socket.getOutputStream(),
                    socket, TunnelSession.DEFAULT_INITIAL_WINDOW,
                    stream -> stream.abort("the agent accepts no streams"), "agent-" + peer);
            session.start();
            if (session.awaitHandshake(HELLO_TIMEOUT)) {
                Heartbeat.start(session, scheduler, Heartbeat.DEFAULT_INTERVAL, Heartbeat.DEFAULT_TIMEOUT);
                slot.attach(session, peer);
            } else {
                session.close("no HELLO within " + HELLO_TIMEOUT.toSeconds() + " s");
                AgentLog.info("tunnel from " + peer + " not attached: " + session.closed().getNow("closed"));
            }
        } catch (IOException e) {
            AgentLog.info("tunnel from " + peer + " not attached: " + e.getMessage());
            SocketEnd.release(socket);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            SocketEnd.release(socket);
        }
    }

    List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> bound = new ArrayList<>();
        for (ServerSocket server : servers) {
            bound.add((InetSocketAddress) server.getLocalSocketAddress());
        }
        return bound;
    }

    @Override
    public void close() {
        servers.forEach(SocketEnd::release);
    }
}

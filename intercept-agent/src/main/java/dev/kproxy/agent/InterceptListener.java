package dev.kproxy.agent;

import dev.kproxy.tunnel.OpenRequest;
import dev.kproxy.tunnel.Relay;
import dev.kproxy.tunnel.SocketEnd;
import dev.kproxy.tunnel.TunnelSession;
import dev.kproxy.tunnel.TunnelStream;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;

/**
 * Listens on one agent port in place of the application's port. Each connection goes to the laptop when a
 * tunnel is attached (and, for a personal intercept, when its first request carries the header), otherwise
 * straight to the application, so the service keeps answering whenever the laptop is away.
 */
final class InterceptListener implements Closeable {
    private static final int APP_CONNECT_TIMEOUT_MILLIS = 5_000;

    private final PortMapping mapping;
    private final AgentConfig config;
    private final TunnelSlot slot;
    private final ExecutorService workers;
    private final InetSocketAddress app;
    private ServerSocket server;

    InterceptListener(PortMapping mapping, AgentConfig config, TunnelSlot slot, ExecutorService workers) {
        this.mapping = mapping;
        this.config = config;
        this.slot = slot;
        this.workers = workers;
        this.app = new InetSocketAddress(config.appHost(), mapping.appPort());
    }

    void start() throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        try {
            server.bind(new InetSocketAddress(config.listenAddress(), mapping.agentPort()), 512);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + AddressText.format(config.listenAddress(), mapping.agentPort())
                    + ": " + e.getMessage(), e);
        }
        AgentLog.info("listening on " + AddressText.format(config.listenAddress(), server.getLocalPort())
                + " for app port " + mapping.appPort() + " (app at " + AddressText.format(app.getAddress(), app.getPort())
                + (config.headers().isEmpty() ? "" : "; laptop gets requests with " + config.headers()) + ")");
        AcceptLoop.start(server, "intercept-accept-" + mapping.agentPort(), client -> workers.execute(() -> route(client)));
    }

    private void route(Socket client) {
        SocketEnd clientEnd;
        byte[] first = new byte[0];
        TunnelSession tunnel = slot.current();
        try {
            client.setTcpNoDelay(true);
            clientEnd = new SocketEnd(client);
            // Peek only when the laptop could get the connection: without a tunnel, clients of
            // server-speaks-first protocols should not wait out the peek deadline.
            if (tunnel != null && !config.headers().isEmpty()) {
                first = RequestHeadPeek.read(client);
                tunnel = config.headers().matches(first) ? slot.current() : null;
            }
        } catch (IOException e) {
            SocketEnd.release(client);
            return;
        }
        if (tunnel != null) {
            InetSocketAddress from = (InetSocketAddress) client.getRemoteSocketAddress();
            try {
                TunnelStream stream = tunnel.open(new OpenRequest(mapping.appPort(), from, first));
                new Relay(clientEnd, stream).start(workers).whenComplete((ok, error) -> logLaptopReset(stream, from));
                return;
            } catch (IOException e) {
                // the tunnel went away between the check and the OPEN: the app takes this connection
            }
        }
        toApp(clientEnd, first);
    }

    private void toApp(SocketEnd clientEnd, byte[] first) {
        Socket appSocket = new Socket();
        try {
            appSocket.setTcpNoDelay(true);
            appSocket.connect(app, APP_CONNECT_TIMEOUT_MILLIS);
            SocketEnd appEnd = new SocketEnd(appSocket);
            appEnd.output().write(first);
            new Relay(clientEnd, appEnd).start(workers);
        } catch (IOException e) {
            AgentLog.info("port " + mapping.agentPort() + ": cannot reach the app at "
                    + AddressText.format(app.getAddress(), app.getPort()) + ": " + e.getMessage());
            SocketEnd.release(appSocket);
            clientEnd.abort(e.getMessage());
        }
    }

    private void logLaptopReset(TunnelStream stream, InetSocketAddress from) {
        if (stream.resetByPeer()) {
            AgentLog.info("port " + mapping.agentPort() + ": connection from "
                    + AddressText.format(from.getAddress(), from.getPort()) + " reset by the laptop: " + stream.resetReason());
        }
    }

    InetSocketAddress boundAddress() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    @Override
    public void close() {
        if (server != null) {
            SocketEnd.release(server);
        }
    }
}

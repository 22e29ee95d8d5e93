package dev.kproxy.launcher.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP cable between kproxy and the sandbox's API server that a test can cut and mend on the
 * same port: what a laptop sees when the VPN drops or the API server restarts. Cutting closes the
 * listener and every connection through it, so the client gets refused connections meanwhile.
 */
final class ApiServerCable implements AutoCloseable {
    private final InetSocketAddress apiServer;
    private final int port;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket listener;

    ApiServerCable(InetSocketAddress apiServer) throws IOException {
        this.apiServer = apiServer;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.port = listener.getLocalPort();
        accept(listener);
    }

    int port() {
        return port;
    }

    synchronized void cut() throws IOException {
        listener.close();
        for (Socket s : sockets) {
            s.close();
        }
        sockets.clear();
    }

    synchronized void mend() throws IOException {
        ServerSocket again = new ServerSocket();
        again.setReuseAddress(true);
        again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        listener = again;
        accept(again);
    }

    private void accept(ServerSocket server) {
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket(apiServer.getAddress(), apiServer.getPort());
                    sockets.add(client);
                    sockets.add(upstream);
                    pump(client, upstream);
                    pump(upstream, client);
                } catch (IOException e) {
                    return;
                }
            }
        }, "api-cable-accept");
        t.setDaemon(true);
        t.start();
    }

    private void pump(Socket from, Socket to) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // cut, or one side closed
            } finally {
                close(from);
                close(to);
            }
        }, "api-cable-pump");
        t.setDaemon(true);
        t.start();
    }

    private void close(Socket s) {
        sockets.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}

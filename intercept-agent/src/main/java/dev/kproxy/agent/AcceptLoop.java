package dev.kproxy.agent;

import dev.kproxy.tunnel.SocketEnd;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Accepts connections on one listener on its own thread until the listener is closed. A failed accept that
 * is not a close (out of file descriptors, say) is logged and retried after a pause, so a listener never
 * dies silently and never spins.
 */
final class AcceptLoop {
    private static final long RETRY_PAUSE_MILLIS = 200;

    private AcceptLoop() {
    }

    static void start(ServerSocket server, String threadName, Consumer<Socket> handler) {
        Thread thread = new Thread(() -> run(server, handler), threadName);
        thread.setDaemon(true);
        thread.start();
    }

    private static void run(ServerSocket server, Consumer<Socket> handler) {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
                AgentLog.info("accept on port " + server.getLocalPort() + " failed, retrying: " + e.getMessage());
                try {
                    Thread.sleep(RETRY_PAUSE_MILLIS);
                } catch (InterruptedException interrupted) {
                    return;
                }
                continue;
            }
            try {
                handler.accept(socket);
            } catch (RejectedExecutionException e) {
                SocketEnd.release(socket); // the agent is shutting down
            }
        }
    }
}

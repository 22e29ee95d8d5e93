package dev.kproxy.tunnel;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/** A TCP socket as one end of a {@link Relay}; an abort resets the connection (RST) instead of a FIN. */
public final class SocketEnd implements DuplexEnd {
    private final Socket socket;
    private final InputStream input;
    private final OutputStream output;

    public SocketEnd(Socket socket) throws IOException {
        this.socket = socket;
        this.input = socket.getInputStream();
        this.output = socket.getOutputStream();
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void shutdownOutput() throws IOException {
        if (!socket.isClosed() && !socket.isOutputShutdown()) {
            socket.shutdownOutput();
        }
    }

    @Override
    public void abort(String reason) {
        try {
            if (!socket.isClosed()) {
                socket.setSoLinger(true, 0);
            }
        } catch (IOException e) {
            // closing below is all that is left to do
        }
        close();
    }

    @Override
    public void close() {
        release(socket);
    }

    /** Closes a socket or listener whose failure to close leaves nothing to do: it is gone either way. */
    public static void release(Closeable socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}

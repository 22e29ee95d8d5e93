package dev.kproxy.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;

/** A hand-driven tunnel end for tests: writes whatever frames or bytes it is told and reads frames back. */
public final class RawTunnelPeer implements AutoCloseable {
    private final Socket socket;
    private final ByteBuffer buffer = ByteBuffer.allocate(2 * FrameCodec.MAX_FRAME_LENGTH);

    public RawTunnelPeer(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(20_000);
        buffer.flip();
    }

    public void send(Frame frame) throws IOException {
        sendBytes(FrameCodec.encode(frame));
    }

    public void sendBytes(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** The next frame, or null once the other side closed the connection. */
    public Frame receive() throws IOException {
        InputStream in = socket.getInputStream();
        while (true) {
            Frame frame = FrameCodec.decode(buffer);
            if (frame != null) {
                return frame;
            }
            buffer.compact();
            int n;
            try {
                n = in.read(buffer.array(), buffer.position(), buffer.remaining());
            } catch (IOException e) {
                n = -1; // a reset is a close too
            }
            buffer.flip();
            if (n < 0) {
                return null;
            }
            buffer.position(0).limit(buffer.limit() + n);
        }
    }

    /** Reads until a frame of this type arrives (answering nothing); null if the connection closed first. */
    public Frame receiveUntil(FrameType type) throws IOException {
        Frame frame;
        while ((frame = receive()) != null) {
            if (frame.type() == type) {
                return frame;
            }
        }
        return null;
    }

    public Socket socket() {
        return socket;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}

package dev.kproxy.tunnel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** One end of a byte connection that a {@link Relay} joins to another: a socket or a tunnel stream. */
public interface DuplexEnd {

    InputStream input();

    OutputStream output();

    /** Sends end-of-stream in the outbound direction while still reading (TCP half-close). */
    void shutdownOutput() throws IOException;

    /** Tears the connection down in both directions, telling the other side why where the transport can. */
    void abort(String reason);

    /** Releases the connection after a normal end. */
    void close();
}

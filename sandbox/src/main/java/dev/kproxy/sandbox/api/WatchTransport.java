package dev.kproxy.sandbox.api;

/**
 * How watch events leave the server: one JSON object per chunk of a chunked HTTP response, or
 * one per WebSocket text message. Implementations may be called from any thread.
 */
interface WatchTransport {
    /** Writes and flushes one encoded event. */
    void send(byte[] event);

    /** Ends the stream; called once. */
    void end();

    /** Runs {@code action} when the client goes away (the connection closes, or a WebSocket close frame). */
    void onClientGone(Runnable action);
}

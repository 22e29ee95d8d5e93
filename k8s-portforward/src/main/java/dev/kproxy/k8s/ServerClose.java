package dev.kproxy.k8s;

/**
 * The API server's close message on a {@code v4.channel.k8s.io} connection, passed up the pipeline
 * in order with the data frames instead of closing the channel at once: a pod that writes and
 * closes sends both in one go, and closing before the caller's first read would destroy the
 * pipeline together with the bytes {@link PortStreamHandler} holds for it.
 */
enum ServerClose {
    INSTANCE
}

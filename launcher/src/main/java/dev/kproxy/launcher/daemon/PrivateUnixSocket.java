package dev.kproxy.launcher.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A Unix socket only the user can open: bound in {@code $KPROXY_HOME} (a 0700 directory) and made
 * 0600 itself. Whatever can steer the daemon (the control socket, the Java agents' socket) listens
 * on one of these, so the permission rule lives in one place. Each accepted connection is served
 * on its own daemon thread.
 */
public final class PrivateUnixSocket implements AutoCloseable {
    private final Path path;
    private final ServerSocketChannel server;
    private final ExecutorService workers;

    public PrivateUnixSocket(Path path, String threadName, Consumer<SocketChannel> serve) throws IOException {
        this.path = path;
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        Files.deleteIfExists(path);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        workers.execute(() -> acceptLoop(serve));
    }

    public Path path() {
        return path;
    }

    private void acceptLoop(Consumer<SocketChannel> serve) {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                workers.execute(() -> serve.accept(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Stops accepting now and interrupts connections still being served. */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /** Stops accepting, then gives connections still being served up to {@code grace} to finish. */
    public void close(Duration grace) {
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // the socket file is recreated on the next start anyway
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}

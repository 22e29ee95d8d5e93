package dev.kproxy.sandbox.testpods;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A container program for tests, run as a real child process by the sandbox's kubelet (other
 * modules use it through the sandbox's test jar). It binds the pod's own address
 * ({@code BIND_ADDRESS}), as every sandbox container must.
 * <ul>
 * <li>{@code ECHOPOD_LISTEN_ECHO} (7000) echoes every byte back;</li>
 * <li>{@code ECHOPOD_LISTEN_NAME} (7001) writes the pod's name and closes, so a test can tell which
 * pod served a connection;</li>
 * <li>{@code ECHOPOD_LISTEN_SINK} (7002) reads and discards, answering one byte per MiB received, so
 * a benchmark can time one-way delivery.</li>
 * </ul>
 * The variable names are unusual on purpose: Kubernetes service links inject
 * {@code <SERVICE>_PORT} variables, so a Service named {@code echo} would otherwise reconfigure
 * the pod.
 */
/* Buffers are 16 KiB: a thousand idle connections must fit the pod's small heap (-Xmx32m). */
public final class EchoPod {
    public static void main(String[] args) throws IOException {
        InetAddress bind = InetAddress.getByName(System.getenv().getOrDefault("BIND_ADDRESS", "127.0.0.1"));
        String pod = System.getenv().getOrDefault("POD_NAME", "unknown");
        ServerSocket echo = listen(bind, Integer.parseInt(System.getenv().getOrDefault("ECHOPOD_LISTEN_ECHO", "7000")));
        ServerSocket name = listen(bind, Integer.parseInt(System.getenv().getOrDefault("ECHOPOD_LISTEN_NAME", "7001")));
        ServerSocket sink = listen(bind, Integer.parseInt(System.getenv().getOrDefault("ECHOPOD_LISTEN_SINK", "7002")));
        // Pooled threads, not one started per connection: a thread start cost 0.15-0.3 ms on this
        // pod's shared core, most of a loopback open (connect + 1-byte echo, p50 0.21-0.25 ms with
        // a new thread, 0.07-0.10 ms pooled), so every benchmarked path paid the app's cost, not
        // the transport's. docs/benchmarks.md, session 8, has the figures.
        ExecutorService connections = Executors.newCachedThreadPool();
        Thread sinks = new Thread(() -> serve(sink, s -> connections.execute(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[16 * 1024];
                long received = 0;
                for (int n; (n = in.read(buf)) >= 0; ) {
                    long before = received >> 20;
                    received += n;
                    for (long mib = before; mib < received >> 20; mib++) {
                        out.write('.');
                    }
                }
            } catch (IOException ignored) {
                // peer went away
            }
        })), "sink-accept");
        sinks.start();
        Thread names = new Thread(() -> serve(name, s -> {
            try (s; OutputStream out = s.getOutputStream()) {
                out.write((pod + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }), "name");
        names.start();
        System.out.println("echo pod " + pod + " on " + bind.getHostAddress());
        serve(echo, s -> connections.execute(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[16 * 1024];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // peer went away
            }
        }));
    }

    private interface Handler {
        void handle(Socket s) throws IOException;
    }

    private static ServerSocket listen(InetAddress bind, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(bind, port), 128);
        return s;
    }

    private static void serve(ServerSocket server, Handler handler) {
        while (true) {
            try {
                handler.handle(server.accept());
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }

    private EchoPod() {
    }
}

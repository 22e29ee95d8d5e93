package dev.kproxy.launcher.agent;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A child-JVM client for the agent tests, JDK only (run with nothing but the test classes on its
 * class path). Each argument is one probe, {@code kind:host:port} or {@code http:URL}; each prints
 * one line: what the app saw (peer address, echoed bytes, HTTP body) or the exception's class and
 * message, so runs with and without the agent can be compared line by line.
 * <ul>
 * <li>{@code nio}: a non-blocking SocketChannel with a Selector, as the Kafka client connects;</li>
 * <li>{@code socket}: java.net.Socket; {@code async}: AsynchronousSocketChannel;</li>
 * <li>{@code http}: java.net.http.HttpClient GET; {@code resolve}: InetAddress.getAllByName.</li>
 * </ul>
 * Echo probes send {@code hello <kind>\n} and expect it back.
 */
public final class AgentProbe {
    private AgentProbe() {
    }

    public static void main(String[] args) {
        for (String probe : args) {
            String kind = probe.substring(0, probe.indexOf(':'));
            String rest = probe.substring(kind.length() + 1);
            String line;
            try {
                line = switch (kind) {
                    case "nio" -> nio(host(rest), port(rest));
                    case "socket" -> socket(host(rest), port(rest));
                    case "async" -> async(host(rest), port(rest));
                    case "http" -> http(rest);
                    case "resolve" -> Arrays.toString(InetAddress.getAllByName(rest));
                    default -> throw new IllegalArgumentException("unknown probe " + kind);
                };
            } catch (Exception e) {
                line = "error " + e.getClass().getName() + ": " + e.getMessage();
            }
            System.out.println(probe + " -> " + line);
        }
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static String nio(String host, int port) throws IOException {
        try (Selector selector = Selector.open(); SocketChannel ch = SocketChannel.open()) {
            ch.configureBlocking(false);
            boolean connected = ch.connect(new InetSocketAddress(host, port));
            ch.register(selector, connected ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT);
            ByteBuffer out = ByteBuffer.wrap("hello nio\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream echoed = new ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(256);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (echoed.size() < out.capacity()) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("timed out");
                }
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isConnectable() && ch.finishConnect()) {
                        key.interestOps(SelectionKey.OP_WRITE);
                    } else if (key.isWritable()) {
                        ch.write(out);
                        if (!out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        if (ch.read(in.clear()) < 0) {
                            throw new IOException("closed after " + echoed.size() + " bytes");
                        }
                        echoed.write(in.array(), 0, in.position());
                    }
                }
                selector.selectedKeys().clear();
            }
            return "remote=" + ch.getRemoteAddress() + " echo=" + echoed.toString(StandardCharsets.US_ASCII).strip();
        }
    }

    private static String socket(String host, int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(30_000);
            s.connect(new InetSocketAddress(host, port), 30_000);
            OutputStream out = s.getOutputStream();
            out.write("hello socket\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return "remote=" + s.getRemoteSocketAddress() + " inet=" + s.getInetAddress() + " echo=" + readLine(s.getInputStream());
        }
    }

    private static String async(String host, int port) throws Exception {
        try (AsynchronousSocketChannel ch = AsynchronousSocketChannel.open()) {
            ch.connect(new InetSocketAddress(host, port)).get(30, TimeUnit.SECONDS);
            ByteBuffer out = ByteBuffer.wrap("hello async\n".getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                ch.write(out).get(30, TimeUnit.SECONDS);
            }
            ByteBuffer in = ByteBuffer.allocate(256);
            while (in.position() < out.capacity()) {
                if (ch.read(in).get(30, TimeUnit.SECONDS) < 0) {
                    break;
                }
            }
            return "remote=" + ch.getRemoteAddress() + " echo=" + new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).strip();
        }
    }

    private static String http(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body().strip();
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }
}

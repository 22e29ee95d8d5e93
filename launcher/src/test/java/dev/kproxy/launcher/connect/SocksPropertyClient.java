package dev.kproxy.launcher.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Run in a child JVM started with {@code -DsocksProxyHost/-DsocksProxyPort} only, like an app a
 * developer points at kproxy: {@link HttpURLConnection} to a URL, then plain {@link Socket}s
 * (no proxy in the code) to {@code host port} and {@code ip port}, each echoing one line.
 * Arguments: URL HOST PORT IP PORT.
 */
public final class SocksPropertyClient {
    public static void main(String[] args) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
        c.setConnectTimeout(20_000);
        c.setReadTimeout(20_000);
        try (InputStream in = c.getInputStream()) {
            System.out.println("http " + c.getResponseCode() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
        System.out.println("by-name " + echoLine(new Socket(args[1], Integer.parseInt(args[2])), "hello by name"));
        System.out.println("by-ip " + echoLine(new Socket(args[3], Integer.parseInt(args[4])), "hello by ClusterIP"));
    }

    private static String echoLine(Socket socket, String text) throws IOException {
        try (socket) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write((text + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new String(socket.getInputStream().readNBytes(text.length()), StandardCharsets.UTF_8);
        }
    }

    private SocksPropertyClient() {
    }
}

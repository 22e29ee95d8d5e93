package dev.kproxy.sandbox.testpods;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A container program for sandbox tests, run as a real child process by the sandbox's kubelet.
 * Port {@code ECHOPOD_LISTEN_ECHO} (7000) echoes every byte back; port {@code ECHOPOD_LISTEN_NAME} (7001) writes the
 * pod's name and closes, so a test can tell which pod served a connection. The variable names
 * are unusual on purpose: Kubernetes service links inject {@code <SERVICE>_PORT} variables, so a
 * Service named {@code echo} would otherwise reconfigure the pod. It binds the pod's
 * own address ({@code BIND_ADDRESS}), as every sandbox container must.
 */
public final class EchoPod {
    public static void main(String[] args) throws IOException {
        InetAddress bind = InetAddress.getByName(System.getenv().getOrDefault("BIND_ADDRESS", "127.0.0.1"));
        String pod = System.getenv().getOrDefault("POD_NAME", "unknown");
        ServerSocket echo = listen(bind, Integer.parseInt(System.getenv().getOrDefault("ECHOPOD_LISTEN_ECHO", "7000")));
        ServerSocket name = listen(bind, Integer.parseInt(System.getenv().getOrDefault("ECHOPOD_LISTEN_NAME", "7001")));
        Thread names = new Thread(() -> serve(name, s -> {
            try (s; OutputStream out = s.getOutputStream()) {
                out.write((pod + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }), "name");
        names.start();
        System.out.println("echo pod " + pod + " on " + bind.getHostAddress());
        serve(echo, s -> new Thread(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[64 * 1024];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                }
            } catch (IOException ignored) {
                // peer went away
            }
        }, "echo").start());
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

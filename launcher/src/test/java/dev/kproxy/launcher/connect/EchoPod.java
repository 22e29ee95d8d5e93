package dev.kproxy.launcher.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A container program the sandbox runs as a real process for these tests: port 7000 echoes,
 * port 7001 writes the pod's name and closes (so a test can tell which pod answered). Binds the
 * pod's own address, as every sandbox container must.
 */
public final class EchoPod {
    public static void main(String[] args) throws IOException {
        InetAddress bind = InetAddress.getByName(System.getenv().getOrDefault("BIND_ADDRESS", "127.0.0.1"));
        String pod = System.getenv().getOrDefault("POD_NAME", "unknown");
        ServerSocket echo = listen(bind, 7000);
        ServerSocket name = listen(bind, 7001);
        Thread names = new Thread(() -> {
            while (true) {
                try (Socket s = name.accept(); OutputStream out = s.getOutputStream()) {
                    out.write((pod + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // next client
                }
            }
        }, "name");
        names.start();
        System.out.println("echo pod " + pod + " on " + bind.getHostAddress());
        while (true) {
            Socket s = echo.accept();
            new Thread(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // peer went away
                }
            }, "echo").start();
        }
    }

    private static ServerSocket listen(InetAddress bind, int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(bind, port), 128);
        return s;
    }

    private EchoPod() {
    }
}

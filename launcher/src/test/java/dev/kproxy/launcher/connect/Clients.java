package dev.kproxy.launcher.connect;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real clients for the tests: external programs (curl, dig, child JVMs) and the JDK's SOCKS socket. */
final class Clients {
    private Clients() {
    }

    record Result(int exit, String out, String err) {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, java.util.Map.of());
    }

    static Result run(List<String> command, java.util.Map<String, String> env) throws IOException, InterruptedException {
        Path err = Files.createTempFile("kproxy-test", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile());
            builder.environment().putAll(env);
            Process p = builder.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static List<String> java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** The JDK's own SOCKS client (socksProxyHost's implementation): a name goes to the proxy unresolved. */
    static Socket socks(int proxyPort, String host, int port) throws IOException {
        Socket s = new Socket(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", proxyPort)));
        s.setSoTimeout(30_000);
        s.connect(InetSocketAddress.createUnresolved(host, port), 30_000);
        return s;
    }

    static String readLine(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    static byte[] echo(Socket s, byte[] payload) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(payload);
        out.flush();
        return s.getInputStream().readNBytes(payload.length);
    }
}

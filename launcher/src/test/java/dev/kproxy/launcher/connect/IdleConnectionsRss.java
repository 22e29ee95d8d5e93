package dev.kproxy.launcher.connect;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.kproxy.launcher.Main;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The memory a real daemon needs per idle connection: {@code kproxy connect} as a user runs it
 * (a background JVM with default heap settings), N SOCKS connections to an echo pod each proven
 * live by one echoed byte, then the daemon's resident set size from /proc.
 */
final class IdleConnectionsRss {
    private IdleConnectionsRss() {
    }

    static void measure(Path kubeconfig, String namespace, int count) throws Exception {
        Path home = Files.createTempDirectory("kproxy-bench-home");
        int proxyPort = freePort();
        int dnsPort = freePort();
        kproxy(home, "connect", "--kubeconfig", kubeconfig.toString(), "-n", namespace,
                "--proxy-port", Integer.toString(proxyPort), "--dns-port", Integer.toString(dnsPort));
        List<Socket> idle = new ArrayList<>();
        try {
            long pid = JsonMapper.builder().build().readTree(kproxy(home, "status", "-o", "json")).path("pid").asLong();
            long before = rssKiB(pid);
            for (int i = 0; i < count; i++) {
                Socket s = Clients.socks(proxyPort, "echo.wjyl-dev", 7000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write('x');
                out.flush();
                if (in.read() != 'x') {
                    throw new IllegalStateException("connection " + i + " did not echo");
                }
                idle.add(s);
            }
            System.gc();
            Thread.sleep(2_000);
            JsonNode status = JsonMapper.builder().build().readTree(kproxy(home, "status", "-o", "json"));
            long after = rssKiB(pid);
            System.out.printf("rss         kproxy daemon (pid %d)               %6.1f MB idle, %6.1f MB holding %d idle connections "
                            + "(%d open, %d port-forwards; %.1f KB each)%n",
                    pid, before / 1024.0, after / 1024.0, count, status.path("openConnections").asLong(),
                    status.path("openPortForwards").asLong(), (after - before) / (double) count);
        } finally {
            for (Socket s : idle) {
                s.close();
            }
            kproxy(home, "quit");
        }
    }

    private static long rssKiB(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for pid " + pid);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String kproxy(Path home, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KPROXY_HOME", home.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("kproxy " + String.join(" ", args) + " failed: " + out);
        }
        return out;
    }
}

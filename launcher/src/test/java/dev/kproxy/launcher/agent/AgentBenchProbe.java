package dev.kproxy.launcher.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.util.Arrays;

/**
 * The child JVM of {@code JavaAgentBenchmark}. {@code start}: prints the JVM's uptime when main
 * begins (JVM start to main, agent premain included); {@code start-net}: the same once
 * {@code InetAddress} is initialised, as any networked app needs it; both also print the process's
 * CPU time so far. {@code connect HOST PORT N [SOCKS_PORT]}:
 * N sequential connects, each with a one-byte echo round trip, directly (through the agent when
 * it is on) or through the SOCKS port; prints the median and p90 in microseconds.
 */
public final class AgentBenchProbe {
    private AgentBenchProbe() {
    }

    public static void main(String[] args) throws IOException {
        if (args[0].startsWith("start")) {
            if (args[0].equals("start-net")) {
                // What a networked app's start pays: InetAddress initialised (the agent does this itself before main).
                java.net.InetAddress.getLoopbackAddress();
            }
            long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
            // CPU time of all the JVM's threads so far: unlike wall time, barely moved by other load on the machine.
            long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
            System.out.println("uptime-ms " + uptime + " cpu-ms " + cpu / 1_000_000);
            return;
        }
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[3]);
        Proxy proxy = args.length > 4 ? new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", Integer.parseInt(args[4]))) : Proxy.NO_PROXY;
        long[] micros = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            try (Socket s = new Socket(proxy)) {
                s.setSoTimeout(30_000);
                s.connect(proxy == Proxy.NO_PROXY ? new InetSocketAddress(host, port) : InetSocketAddress.createUnresolved(host, port), 30_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write('x');
                out.flush();
                if (in.read() != 'x') {
                    throw new IOException("no echo");
                }
            }
            micros[i] = (System.nanoTime() - start) / 1000;
        }
        Arrays.sort(micros);
        System.out.println("median-us " + micros[n / 2] + " p90-us " + micros[n * 9 / 10]);
    }
}

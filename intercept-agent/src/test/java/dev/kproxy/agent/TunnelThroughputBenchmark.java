package dev.kproxy.agent;

import dev.kproxy.tunnel.LocalTargets;
import dev.kproxy.tunnel.TunnelClient;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;

/**
 * Not a test: {@code java -cp target/classes:target/test-classes dev.kproxy.agent.TunnelThroughputBenchmark [MiB]}
 * prints one-way MB/s through the agent's plain passthrough and through the tunnel, on loopback.
 */
public final class TunnelThroughputBenchmark {
    private TunnelThroughputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        long size = (args.length > 0 ? Long.parseLong(args[0]) : 1024) << 20;
        try (ServerSocket sink = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread sinkThread = new Thread(() -> drainAll(sink), "sink");
            sinkThread.setDaemon(true);
            sinkThread.start();
            AgentConfig config = AgentConfig.fromEnvironment(Map.of(
                    "KPROXY_AGENT_PORTS", "0:" + sink.getLocalPort(),
                    "KPROXY_AGENT_TUNNEL_PORT", "0",
                    "KPROXY_AGENT_TUNNEL_ADDRESS", "127.0.0.1",
                    "KPROXY_AGENT_LISTEN_ADDRESS", "127.0.0.1"));
            try (Agent agent = new Agent(config)) {
                agent.start();
                int agentPort = agent.interceptAddresses().get(0).getPort();
                send(agentPort, 64L << 20); // warm up
                double passthrough = send(agentPort, size);
                try (TunnelClient laptop = TunnelClient.connect(
                        new Socket(InetAddress.getLoopbackAddress(), agent.tunnelAddresses().get(0).getPort()),
                        LocalTargets.single(sink.getLocalPort()))) {
                    if (!laptop.awaitAttached(Duration.ofSeconds(10))) {
                        throw new IllegalStateException("tunnel did not attach");
                    }
                    Thread.sleep(200); // the agent attaches right after answering HELLO
                    send(agentPort, 64L << 20);
                    double tunnel = send(agentPort, size);
                    System.out.printf("passthrough %.0f MB/s, tunnel %.0f MB/s, tunnel/passthrough %.2f%n",
                            passthrough, tunnel, tunnel / passthrough);
                }
            }
        }
    }

    /** Sends {@code size} bytes, waits for the sink's byte count, returns MB/s. */
    private static double send(int port, long size) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        long start = System.nanoTime();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            for (long left = size; left > 0; left -= chunk.length) {
                socket.getOutputStream().write(chunk, 0, (int) Math.min(chunk.length, left));
            }
            socket.shutdownOutput();
            long counted = new java.io.DataInputStream(socket.getInputStream()).readLong();
            if (counted != size) {
                throw new IllegalStateException("sink counted " + counted + " of " + size + " bytes");
            }
        }
        return size / 1e6 / ((System.nanoTime() - start) / 1e9);
    }

    private static void drainAll(ServerSocket sink) {
        while (!sink.isClosed()) {
            try (Socket socket = sink.accept()) {
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    total += n;
                }
                new DataOutputStream(socket.getOutputStream()).writeLong(total);
            } catch (IOException e) {
                return;
            }
        }
    }
}

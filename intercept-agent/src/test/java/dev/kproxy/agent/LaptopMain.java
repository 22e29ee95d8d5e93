package dev.kproxy.agent;

import dev.kproxy.tunnel.LocalTargets;
import dev.kproxy.tunnel.TunnelClient;

import java.net.InetAddress;
import java.net.Socket;

/** A laptop in its own JVM, so a test can kill it: {@code LaptopMain tunnelPort localPort}. */
public final class LaptopMain {
    private LaptopMain() {
    }

    public static void main(String[] args) throws Exception {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(args[0]));
        TunnelClient client = TunnelClient.connect(socket, LocalTargets.single(Integer.parseInt(args[1])));
        System.out.println("laptop tunnel " + (client.awaitAttached(java.time.Duration.ofSeconds(10)) ? "attached" : "failed"));
        System.out.println("laptop tunnel closed: " + client.closed().get());
    }
}

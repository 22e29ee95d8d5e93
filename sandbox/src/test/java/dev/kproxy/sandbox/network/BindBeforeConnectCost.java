package dev.kproxy.sandbox.network;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

/**
 * Not a test: what {@link PodDialer}'s bind-before-connect costs as TIME_WAIT sockets pile up on
 * one address (docs/sandbox.md). Dials {@code ADDRESS:listener} from {@code ADDRESS:0} in rounds
 * of 2,000, the dialler closing first as the sandbox does, and prints bind + connect p50/p99 per
 * round. Second argument: {@code bind} (port 0, as {@link PodDialer} did until session 6),
 * {@code sourceports} (ports from {@link SourcePorts#aboveEphemeralRange()} with
 * {@code SO_REUSEADDR}, a taken one skipped, as {@link PodDialer} does now: the count of skips is
 * printed too) or {@code nobind} (no bind: what any other program on the machine does).
 *
 * <p>Arguments: a loopback address no one else uses (127.244.7.7), the mode. It leaves up to
 * 24,000 TIME_WAIT sockets for a minute.
 */
public final class BindBeforeConnectCost {
    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args.length > 0 ? args[0] : "127.244.7.7");
        String mode = args.length > 1 ? args[1] : "bind";
        SourcePorts ports = SourcePorts.aboveEphemeralRange();
        int skipped = 0;
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(address, 0), 1000);
            InetSocketAddress target = (InetSocketAddress) listener.getLocalAddress();
            Thread acceptor = new Thread(() -> {
                ByteBuffer one = ByteBuffer.allocate(1);
                while (true) {
                    try (SocketChannel accepted = listener.accept()) {
                        accepted.read(one.clear()); // waits for the dialler's FIN, so the dialler closes first
                    } catch (Exception closed) {
                        return;
                    }
                }
            }, "acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            for (int round = 1; round <= 12; round++) {
                long[] micros = new long[2000];
                for (int i = 0; i < micros.length; i++) {
                    long start = System.nanoTime();
                    while (true) {
                        try (SocketChannel dial = SocketChannel.open()) {
                            if (mode.equals("sourceports")) {
                                dial.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                                dial.bind(new InetSocketAddress(address, ports.next()));
                            } else if (mode.equals("bind")) {
                                dial.bind(new InetSocketAddress(address, 0));
                            }
                            dial.connect(target);
                            micros[i] = (System.nanoTime() - start) / 1000;
                            break;
                        } catch (BindException taken) {
                            if (!mode.equals("sourceports")) {
                                throw taken;
                            }
                            skipped++;
                        }
                    }
                }
                Arrays.sort(micros);
                System.out.printf("%,6d dials: bind + connect p50 %d us, p99 %d us; ports skipped so far: %d%n",
                        round * micros.length, micros[1000], micros[1980], skipped);
            }
        }
    }

    private BindBeforeConnectCost() {
    }
}

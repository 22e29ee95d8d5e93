package dev.kproxy.sandbox.kubelet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Run inside a sandbox pod by tests: prints how the JVM resolves each name given ({@code name -> ip,ip}). */
public final class HostLookup {
    private HostLookup() {
    }

    public static void main(String[] args) {
        for (String name : args) {
            try {
                String ips = Arrays.stream(InetAddress.getAllByName(name)).map(InetAddress::getHostAddress).sorted()
                        .collect(Collectors.joining(","));
                System.out.println(name + " -> " + ips);
            } catch (UnknownHostException e) {
                System.out.println(name + " -> unknown");
            }
        }
    }
}

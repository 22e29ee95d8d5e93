package dev.kproxy.sandbox.network;

import java.net.ConnectException;
import java.util.Locale;

import io.netty.channel.ConnectTimeoutException;

/**
 * The kubelet's wording for a failed dial into a pod, the same for every port-forward protocol:
 * kubelet/pkg/cri/streaming/portforward/websocket.go and httpstream.go wrap containerd's
 * internal/cri/server/sandbox_portforward_linux.go error. The sandbox dials the pod IP over IPv4
 * only, so the IPv6 part says what Go says when there is no v6 address.
 */
final class PodDialError {
    private PodDialError() {
    }

    static String text(PodTarget pod, int port, Throwable cause) {
        String netns = "/var/run/netns/cni-" + pod.uid();
        return "error forwarding port " + port + " to pod " + pod.uid() + ", uid : failed to execute portforward in network namespace \""
                + netns + "\": failed to connect to localhost:" + port + " inside namespace \"" + pod.uid() + "\", IPv4: dial tcp4 "
                + pod.podIp() + ":" + port + ": " + goStyle(cause) + " IPv6 dial tcp6: address localhost: no suitable address found ";
    }

    private static String goStyle(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (cause instanceof ConnectTimeoutException || root instanceof ConnectTimeoutException) {
            return "i/o timeout";
        }
        if (cause instanceof ConnectException || root instanceof ConnectException) {
            String m = String.valueOf(root.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("refused")) {
                return "connect: connection refused";
            }
            return "connect: " + m;
        }
        return String.valueOf(root.getMessage());
    }
}

package dev.kproxy.launcher.connect;

import dev.kproxy.k8s.PortForwardException;
import dev.kproxy.k8s.Target;
import dev.kproxy.proxy.DialFailure;
import dev.kproxy.proxy.Destination;
import dev.kproxy.proxy.ProxyProtocol;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;

import static org.assertj.core.api.Assertions.assertThat;

/** How refusals and port-forward failures become the proxy's failure kinds (and so SOCKS codes / HTTP statuses). */
class ClusterDialerFailureTest {
    private static final Destination QUOTA = new Destination("quota.wjyl-dev", 8080, ProxyProtocol.SOCKS5);

    @Test
    void refusalsAreHostUnreachableExceptNoDirectWhichIsNotAllowed() {
        DialFailure unknown = ClusterDialer.refusal(QUOTA, new Target.Refused("service quota not found in namespace wjyl-dev"));
        assertThat(unknown.kind()).isEqualTo(DialFailure.Kind.HOST_UNREACHABLE);
        assertThat(unknown.getMessage()).isEqualTo("quota.wjyl-dev:8080: service quota not found in namespace wjyl-dev");
        assertThat(unknown.kind().socks5Reply()).isEqualTo(0x04);

        DialFailure outside = ClusterDialer.refusal(QUOTA,
                new Target.Refused("example.com is outside the cluster and direct connections are off (--no-direct)"));
        assertThat(outside.kind()).isEqualTo(DialFailure.Kind.NOT_ALLOWED);
        assertThat(outside.kind().socks5Reply()).isEqualTo(0x02);
        assertThat(outside.kind().httpStatus()).isEqualTo(403);
    }

    @Test
    void portForwardFailureKindsMapToProxyKinds() {
        assertThat(kindOf(PortForwardException.Kind.POD_NOT_FOUND)).isEqualTo(DialFailure.Kind.HOST_UNREACHABLE);
        assertThat(kindOf(PortForwardException.Kind.FORBIDDEN)).isEqualTo(DialFailure.Kind.NOT_ALLOWED);
        assertThat(kindOf(PortForwardException.Kind.UNAUTHORIZED)).isEqualTo(DialFailure.Kind.NOT_ALLOWED);
        assertThat(kindOf(PortForwardException.Kind.REMOTE_ERROR)).isEqualTo(DialFailure.Kind.REFUSED);
        assertThat(kindOf(PortForwardException.Kind.UNREACHABLE)).isEqualTo(DialFailure.Kind.NETWORK_UNREACHABLE);
        assertThat(kindOf(PortForwardException.Kind.PROTOCOL)).isEqualTo(DialFailure.Kind.GENERAL);
        DialFailure forbidden = ClusterDialer.failure(QUOTA, new PortForwardException(PortForwardException.Kind.FORBIDDEN,
                "not allowed to create pods/portforward in namespace wjyl-dev"));
        assertThat(forbidden.getMessage()).isEqualTo("quota.wjyl-dev:8080: not allowed to create pods/portforward in namespace wjyl-dev");
    }

    @Test
    void otherExceptionsAreClassifiedAsProxyCoreDoes() {
        assertThat(ClusterDialer.failure(QUOTA, new ConnectException("Connection refused")).kind()).isEqualTo(DialFailure.Kind.REFUSED);
    }

    private static DialFailure.Kind kindOf(PortForwardException.Kind kind) {
        return ClusterDialer.failure(QUOTA, new PortForwardException(kind, "x")).kind();
    }
}

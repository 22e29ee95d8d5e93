package dev.kproxy.k8s;

import io.netty.channel.Channel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TLS material from the kubeconfig reaches the dialer: CA data, insecure-skip-tls-verify, a wrong
 * CA; on BoringSSL (what kproxy uses where it loads) and on the JDK's engine (everywhere else).
 */
class ClusterCredentialsTlsTest {

    private final TestApiServer server = new TestApiServer("t0ken", true);
    private final TestApiServer otherCa = new TestApiServer("t0ken", true);
    private final EchoServer echo = new EchoServer();

    @AfterEach
    void stop() {
        echo.close();
        otherCa.close();
        server.close();
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void trustsTheKubeconfigsCertificateAuthority(SslProvider provider) throws Exception {
        assertEchoes(ClusterCredentials.fromKubeconfig(server.kubeconfig("t0ken"), available(provider)));
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void insecureSkipTlsVerifyTrustsAnyCertificate(SslProvider provider) throws Exception {
        assertEchoes(ClusterCredentials.fromKubeconfig(server.kubeconfig(
                "server: https://127.0.0.1:" + server.port() + "\n    insecure-skip-tls-verify: true", "t0ken"), available(provider)));
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"OPENSSL", "JDK"})
    void anotherCertificateAuthorityIsAReadableTlsFailure(SslProvider provider) throws Exception {
        ClusterCredentials wrongCa = ClusterCredentials.fromKubeconfig(server.kubeconfig(
                "server: https://localhost:" + server.port() + "\n    certificate-authority-data: " + otherCa.caData(), "t0ken"),
                available(provider));
        try (PortForwardDialer dialer = new PortForwardDialer(wrongCa)) {
            PortForwardException failure = DialFailures.of(dialer.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()));
            assertThat(failure.kind()).isEqualTo(PortForwardException.Kind.UNREACHABLE);
            assertThat(failure.getMessage()).startsWith("TLS with the API server https://localhost:" + server.port() + " failed: ")
                    .endsWith("; check the server and certificate-authority of your kubeconfig");
        }
    }

    /** BoringSSL ships in kproxy.jar for Linux, macOS and Windows; where it cannot load, kproxy uses the JDK's. */
    private static SslProvider available(SslProvider provider) {
        assertThat(provider != SslProvider.OPENSSL || OpenSsl.isAvailable())
                .as("BoringSSL loads here: %s", OpenSsl.unavailabilityCause()).isTrue();
        return provider;
    }

    private void assertEchoes(ClusterCredentials credentials) throws Exception {
        try (PortForwardDialer dialer = new PortForwardDialer(credentials)) {
            Channel channel = dialer.open(TestApiServer.NAMESPACE, TestApiServer.POD, echo.port()).get(30, TimeUnit.SECONDS);
            EchoProbe.Digests digests = EchoProbe.start(channel, 1 << 20).result().get(60, TimeUnit.SECONDS);
            assertThat(digests.received()).isEqualTo(digests.sent());
            channel.close().sync();
        }
    }
}

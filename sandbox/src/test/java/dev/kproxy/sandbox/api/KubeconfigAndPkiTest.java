package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.kproxy.sandbox.pki.SandboxPki;
import io.fabric8.kubernetes.client.Config;

class KubeconfigAndPkiTest {
    @Test
    void serverCertificateIsSignedByTheCaForLoopbackNames() throws Exception {
        SandboxPki pki = SandboxPki.generate();
        X509Certificate ca = pki.caCertificate();
        X509Certificate server = (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pki.serverCertificatePem().getBytes()));
        server.verify(ca.getPublicKey());
        List<String> sans = new ArrayList<>();
        server.getSubjectAlternativeNames().forEach(san -> sans.add(String.valueOf(san.get(1))));
        assertThat(sans).contains("127.0.0.1", "localhost").anyMatch(s -> s.startsWith("0:0:0:0:0:0:0:1"));
        assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(pki.caPem()).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(SandboxPki.generate().caPem()).isNotEqualTo(pki.caPem());
    }

    @Test
    void kubeconfigIsPrivateAndReadableByFabric8(@TempDir Path dir) throws Exception {
        SandboxPki pki = SandboxPki.generate();
        Path file = dir.resolve("sub/kubeconfig");
        KubeconfigWriter.write(file, java.net.URI.create("https://127.0.0.1:6443"), pki.caPem(), "tok\"en", "wjyl-dev");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Config config = Config.fromKubeconfig(file.toFile());
        assertThat(config.getMasterUrl()).startsWith("https://127.0.0.1:6443");
        assertThat(config.getAutoOAuthToken()).isEqualTo("tok\"en");
        assertThat(config.getNamespace()).isEqualTo("wjyl-dev");
        assertThat(config.getCurrentContext().getName()).isEqualTo(KubeconfigWriter.NAME);
        assertThat(new String(java.util.Base64.getDecoder().decode(config.getCaCertData()))).isEqualTo(pki.caPem());
    }
}

package dev.kproxy.sandbox.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * A throw-away certificate authority and the API server's certificate signed by it, made fresh
 * for every sandbox so nothing secret is ever written to the repository.
 *
 * <p>The server certificate names {@code 127.0.0.1}, {@code ::1} and {@code localhost}: the
 * sandbox listens on loopback only, and kubectl, fabric8 and the JDK all verify the host.
 */
public final class SandboxPki {
    private static final Duration VALIDITY = Duration.ofDays(30);

    private final X509Certificate caCertificate;
    private final X509Certificate serverCertificate;
    private final PrivateKey serverKey;
    private final X509Certificate kubeletClientCertificate;
    private final PrivateKey kubeletClientKey;

    private SandboxPki(X509Certificate caCertificate, X509Certificate serverCertificate, PrivateKey serverKey,
                       X509Certificate kubeletClientCertificate, PrivateKey kubeletClientKey) {
        this.caCertificate = caCertificate;
        this.serverCertificate = serverCertificate;
        this.serverKey = serverKey;
        this.kubeletClientCertificate = kubeletClientCertificate;
        this.kubeletClientKey = kubeletClientKey;
    }

    /**
     * A new CA (P-256, self-signed), a server certificate it signed (the API server's and the
     * kubelet's: both listen on 127.0.0.1), and the client certificate the API server shows the
     * kubelet, as kube-apiserver's {@code --kubelet-client-certificate} does.
     */
    public static SandboxPki generate() {
        try {
            KeyPair caKeys = ecKeyPair();
            KeyPair serverKeys = ecKeyPair();
            X500Name caName = new X500Name("CN=kproxy-sandbox-ca");
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();

            X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(caName, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), caName, caKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            X509Certificate caCert = sign(ca, caKeys.getPrivate());

            GeneralNames sans = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1"),
                new GeneralName(GeneralName.dNSName, "localhost"),
            });
            X509v3CertificateBuilder server = new JcaX509v3CertificateBuilder(caCert, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
                    new X500Name("CN=kproxy-sandbox-apiserver"), serverKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, sans)
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            KeyPair clientKeys = ecKeyPair();
            X509v3CertificateBuilder client = new JcaX509v3CertificateBuilder(caCert, serial(),
                    Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)),
                    new X500Name("O=system:masters,CN=kube-apiserver-kubelet-client"), clientKeys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
                    .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
            return new SandboxPki(caCert, sign(server, caKeys.getPrivate()), serverKeys.getPrivate(),
                    sign(client, caKeys.getPrivate()), clientKeys.getPrivate());
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot create the sandbox certificates: " + e.getMessage(), e);
        }
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The CA in PEM, for a kubeconfig's {@code certificate-authority-data} (base64 of this text). */
    public String caPem() {
        return pem(caCertificate);
    }

    public String serverCertificatePem() {
        return pem(serverCertificate);
    }

    /**
     * The server side of TLS. No ALPN is configured, so clients that offer h2 (kubectl, Vert.x,
     * the JDK) settle on HTTP/1.1, the only protocol this server speaks.
     */
    public SslContext serverSslContext() {
        try {
            return SslContextBuilder.forServer(serverKey, serverCertificate, caCertificate).sslProvider(provider()).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the sandbox TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * The kubelet's side of TLS: the server certificate, and a client certificate from this CA is
     * required (kubelet {@code --client-ca-file}), so only the API server can ask it to port-forward.
     */
    public SslContext kubeletServerSslContext() {
        try {
            return SslContextBuilder.forServer(serverKey, serverCertificate, caCertificate)
                    .trustManager(caCertificate)
                    .clientAuth(ClientAuth.REQUIRE)
                    .sslProvider(provider())
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the sandbox kubelet's TLS context: " + e.getMessage(), e);
        }
    }

    /** The API server's side of its connections to the kubelet: trusts this CA, shows the kubelet client certificate. */
    public SslContext kubeletClientSslContext() {
        try {
            return SslContextBuilder.forClient()
                    .trustManager(caCertificate)
                    .keyManager(kubeletClientKey, kubeletClientCertificate)
                    .sslProvider(provider())
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the API server's kubelet-client TLS context: " + e.getMessage(), e);
        }
    }

    /** BoringSSL where its native library loads (see the pom), else the JDK's engine. */
    private static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** A client {@link SSLContext} that trusts only this CA, for in-process clients such as the JDK HttpClient. */
    public SSLContext clientSslContext() {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("kproxy-sandbox-ca", caCertificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a client TLS context: " + e.getMessage(), e);
        }
    }

    private static KeyPair ecKeyPair() throws GeneralSecurityException {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(64, new SecureRandom()).abs().add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}

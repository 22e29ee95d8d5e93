package dev.kproxy.launcher.sandbox;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import dev.kproxy.launcher.UserError;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Talks to a running sandbox's own routes ({@code /sandbox/status}, {@code /sandbox/shutdown})
 * with the CA and token from the kubeconfig the sandbox wrote.
 */
final class SandboxClient {
    private final URI server;
    private final String token;
    private final HttpClient http;

    private SandboxClient(URI server, String token, SSLContext tls) {
        this.server = server;
        this.token = token;
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
    }

    static SandboxClient fromKubeconfig(Path kubeconfig) {
        try {
            JsonNode kc = YAMLMapper.builder().build().readTree(Files.readString(kubeconfig));
            JsonNode cluster = kc.path("clusters").path(0).path("cluster");
            String token = kc.path("users").path(0).path("user").path("token").asString();
            byte[] ca = Base64.getDecoder().decode(cluster.path("certificate-authority-data").asString());
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("sandbox-ca",
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(ca)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return new SandboxClient(URI.create(cluster.path("server").asString()), token, tls);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new UserError("cannot read the sandbox kubeconfig " + kubeconfig + ": " + e.getMessage());
        }
    }

    JsonNode status() {
        return JsonMapper.builder().build().readTree(send(HttpRequest.newBuilder(server.resolve("/sandbox/status")).GET()));
    }

    void shutdown() {
        send(HttpRequest.newBuilder(server.resolve("/sandbox/shutdown")).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private String send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new UserError("the sandbox at " + server + " answered " + r.statusCode() + ": " + r.body().trim());
            }
            return r.body();
        } catch (ConnectException e) {
            throw new UserError("the sandbox at " + server + " is not answering; is `kproxy sandbox up` still running?");
        } catch (IOException e) {
            throw new UserError("cannot reach the sandbox at " + server + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted");
        }
    }
}

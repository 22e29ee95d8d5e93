package dev.kproxy.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.OAuthTokenProvider;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

/**
 * What a raw connection to the API server needs from the kubeconfig: its address, a Netty TLS
 * context (CA, client certificate, {@code insecure-skip-tls-verify}) and the Authorization header.
 *
 * <p>All of it is read through fabric8's {@link Config}, so exec credential plugins, token files
 * and auth providers behave exactly as they do for the fabric8 client. {@link #refresh()} re-reads
 * the kubeconfig (re-running an exec plugin), the way fabric8's TokenRefreshInterceptor does on a
 * 401. Instances are immutable; {@code refresh()} returns a new one.
 */
public final class ClusterCredentials {

    private final Config config;
    private final URI apiServer;
    private final SslContext sslContext;
    private final String authorization;
    private final SslProvider provider;

    private ClusterCredentials(Config config) {
        this(config, provider());
    }

    private ClusterCredentials(Config config, SslProvider provider) {
        this.config = config;
        this.provider = provider;
        this.apiServer = URI.create(stripTrailingSlash(config.getMasterUrl()));
        this.sslContext = "https".equalsIgnoreCase(apiServer.getScheme()) ? buildSslContext(config, provider) : null;
        this.authorization = authorizationHeader(config);
    }

    /** Credentials of the given fabric8 configuration (e.g. {@code client.getConfiguration()}). */
    public static ClusterCredentials of(Config config) {
        return new ClusterCredentials(config);
    }

    /** Credentials of the current context of a kubeconfig file's text. */
    public static ClusterCredentials fromKubeconfig(String kubeconfigYaml) {
        return new ClusterCredentials(Config.fromKubeconfig(kubeconfigYaml));
    }

    /** As {@link #fromKubeconfig(String)}, with TLS on the given engine (tests run both). */
    static ClusterCredentials fromKubeconfig(String kubeconfigYaml, SslProvider provider) {
        return new ClusterCredentials(Config.fromKubeconfig(kubeconfigYaml), provider);
    }

    /** Credentials found the way kubectl finds them ($KUBECONFIG, ~/.kube/config, in-cluster). */
    public static ClusterCredentials autoConfigure(String context) {
        return new ClusterCredentials(Config.autoConfigure(context));
    }

    /** Re-reads the kubeconfig (re-running exec plugins) for fresh credentials. Blocking. */
    public ClusterCredentials refresh() {
        return new ClusterCredentials(config.refresh(), provider);
    }

    public Config config() {
        return config;
    }

    public URI apiServer() {
        return apiServer;
    }

    /** The namespace of the kubeconfig context, {@code default} when it names none. */
    public String namespace() {
        String ns = config.getNamespace();
        return ns == null || ns.isBlank() ? "default" : ns;
    }

    /** Null when the API server is plain HTTP. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** The Authorization header value: a secret, never to be logged or shown. */
    public Optional<String> authorization() {
        return Optional.ofNullable(authorization);
    }

    public boolean tls() {
        return sslContext != null;
    }

    public int port() {
        int port = apiServer.getPort();
        return port > 0 ? port : tls() ? 443 : 80;
    }

    /**
     * BoringSSL where Netty can load it (kproxy.jar carries it, for the sandbox), else the JDK's
     * engine; {@code -Dio.netty.handler.ssl.noOpenSsl=true} forces the JDK's. Session 4 measured no
     * gain from BoringSSL here, but then every relayed read also crossed to another thread; once a
     * stream lived on its client's loop (session 5), TLS was the event loop's largest cost, and
     * one way through the proxy moved 383 → 629 MB/s with it (OutboundBenchmark, same code
     * otherwise). Trust decisions stay with the JDK's trust managers either way.
     */
    static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    private static SslContext buildSslContext(Config config, SslProvider provider) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(provider);
            if (Boolean.TRUE.equals(config.getTrustCerts())) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                TrustManager[] trust = SSLUtils.trustManagers(config);
                if (trust != null) {
                    builder.trustManager(first(trust, X509TrustManager.class));
                }
                if (Boolean.TRUE.equals(config.getDisableHostnameVerification())) {
                    builder.endpointIdentificationAlgorithm(null);
                } else {
                    builder.endpointIdentificationAlgorithm("HTTPS");
                }
            }
            KeyManager[] keys = SSLUtils.keyManagers(config);
            if (keys != null && keys.length > 0) {
                builder.keyManager(first(keys, X509KeyManager.class));
            }
            return builder.build();
        } catch (Exception e) {
            throw new IllegalStateException("cannot set up TLS to " + config.getMasterUrl()
                    + " from the kubeconfig (" + e.getMessage() + "); check certificate-authority and client-certificate entries", e);
        }
    }

    private static <T> T first(Object[] managers, Class<T> type) {
        return Arrays.stream(managers).filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + type.getSimpleName() + " in the kubeconfig's TLS material"));
    }

    /** Same precedence as fabric8's request path: token provider, explicit token, kubeconfig token, basic auth. */
    private static String authorizationHeader(Config config) {
        OAuthTokenProvider provider = config.getOauthTokenProvider();
        String token = provider != null ? provider.getToken() : null;
        if (isBlank(token)) {
            token = config.getOauthToken();
        }
        if (isBlank(token)) {
            token = config.getAutoOAuthToken();
        }
        if (!isBlank(token)) {
            return "Bearer " + token;
        }
        if (!isBlank(config.getUsername()) && config.getPassword() != null) {
            String pair = config.getUsername() + ":" + config.getPassword();
            return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
        }
        return null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    private static String stripTrailingSlash(String url) {
        if (url == null) {
            throw new IllegalStateException("the kubeconfig names no API server; set clusters[].cluster.server");
        }
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}

package dev.kproxy.sandbox.kubelet;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import tools.jackson.databind.JsonNode;

/**
 * One probe attempt, as the kubelet's prober does it (pkg/probe/{tcp,http,exec}): a TCP connect,
 * an HTTP GET that succeeds on 200–399 (HTTPS without certificate verification, as the kubelet
 * does), or a command that succeeds on exit status 0. True means success.
 */
@FunctionalInterface
interface ProbeAction {
    boolean check(Duration timeout);

    /** The action a probe spec describes; the host defaults to the pod IP, named ports resolve via the container's ports. */
    static ProbeAction of(JsonNode probe, JsonNode container, String podIp, LaunchSpec launch) {
        if (probe.has("tcpSocket")) {
            JsonNode t = probe.path("tcpSocket");
            String host = t.path("host").asString(podIp);
            int port = port(t.path("port"), container);
            return timeout -> connects(host, port, timeout);
        }
        if (probe.has("httpGet")) {
            JsonNode h = probe.path("httpGet");
            String scheme = h.path("scheme").asString("HTTP").toLowerCase(java.util.Locale.ROOT);
            String host = h.path("host").asString(podIp);
            int port = port(h.path("port"), container);
            String path = h.path("path").asString("/");
            URI uri = URI.create(scheme + "://" + host + ":" + port + (path.startsWith("/") ? path : "/" + path));
            return timeout -> httpOk(uri, h.path("httpHeaders"), timeout);
        }
        if (probe.has("exec")) {
            List<String> argv = new ArrayList<>();
            probe.path("exec").path("command").forEach(c -> argv.add(launch.mounts().map(c.asString(""))));
            return timeout -> exits0(argv, launch, timeout);
        }
        return timeout -> true;
    }

    /** The default readiness of a container without a probe in the sandbox: every declared containerPort accepts TCP. */
    static ProbeAction portsOpen(JsonNode container, String podIp) {
        List<Integer> ports = new ArrayList<>();
        container.path("ports").forEach(p -> {
            if (!"UDP".equals(p.path("protocol").asString("TCP")) && p.path("containerPort").asInt(0) > 0) {
                ports.add(p.path("containerPort").asInt());
            }
        });
        return timeout -> ports.stream().allMatch(p -> connects(podIp, p, timeout));
    }

    private static int port(JsonNode port, JsonNode container) {
        if (port.isNumber()) {
            return port.asInt();
        }
        String name = port.asString("");
        if (name.chars().allMatch(Character::isDigit) && !name.isEmpty()) {
            return Integer.parseInt(name);
        }
        for (JsonNode p : container.path("ports")) {
            if (name.equals(p.path("name").asString(""))) {
                return p.path("containerPort").asInt(-1);
            }
        }
        return -1;
    }

    private static boolean connects(String host, int port, Duration timeout) {
        if (port <= 0 || port > 65535) {
            return false;
        }
        try (Socket s = new Socket(Proxy.NO_PROXY)) {
            s.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean httpOk(URI uri, JsonNode headers, Duration timeout) {
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            if (c instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(trustAll().getSocketFactory());
                https.setHostnameVerifier((h, s) -> true);
            }
            c.setConnectTimeout((int) Math.max(1, timeout.toMillis()));
            c.setReadTimeout((int) Math.max(1, timeout.toMillis()));
            c.setInstanceFollowRedirects(false);
            c.setRequestProperty("User-Agent", "kube-probe/1.34");
            c.setRequestProperty("Accept", "*/*");
            for (JsonNode h : headers) {
                c.setRequestProperty(h.path("name").asString(""), h.path("value").asString(""));
            }
            int status = c.getResponseCode();
            try (InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
                if (body != null) {
                    body.readNBytes(10 * 1024);
                }
            }
            return status >= 200 && status < 400;
        } catch (IOException | GeneralSecurityException e) {
            return false;
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private static SSLContext trustAll() throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[]{new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return ctx;
    }

    private static boolean exits0(List<String> argv, LaunchSpec launch, Duration timeout) {
        if (argv.isEmpty()) {
            return false;
        }
        ProcessBuilder pb = new ProcessBuilder(argv).directory(launch.workingDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().clear();
        pb.environment().putAll(launch.env());
        Process p = null;
        try {
            p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            if (p != null && p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }
}

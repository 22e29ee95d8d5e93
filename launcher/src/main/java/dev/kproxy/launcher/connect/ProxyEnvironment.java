package dev.kproxy.launcher.connect;

import dev.kproxy.proxy.ProxyCredentials;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The environment that points a program at the proxy: the JDK's SOCKS properties (through
 * {@code JAVA_TOOL_OPTIONS}, which every JVM reads at start), {@code ALL_PROXY} with
 * {@code socks5h} (the proxy resolves the name, so cluster names work) for curl and most
 * libraries, {@code HTTP(S)_PROXY} for HTTP clients, and {@code NO_PROXY} for the laptop itself.
 */
public record ProxyEnvironment(String proxyHost, int proxyPort, Optional<ProxyCredentials> credentials) {

    public static final String NO_PROXY = "localhost,127.0.0.1,::1";

    public ProxyEnvironment(String proxyHost, int proxyPort) {
        this(proxyHost, proxyPort, Optional.empty());
    }

    /**
     * The same, for a proxy started with {@code --proxy-auth}: the proxy URLs carry
     * {@code user:pass@}. The JVM options cannot: the JDK's SOCKS client takes a password only
     * from an {@code Authenticator} set in code (it ignores {@code java.net.socks.password}; a
     * test with a child JVM shows it), so {@link #javaOptions()} stays without credentials.
     */
    public ProxyEnvironment withCredentials(String username, String password) {
        return new ProxyEnvironment(proxyHost, proxyPort, Optional.of(new ProxyCredentials(username, password)));
    }

    /** From the daemon's status: clients reach a wildcard-bound proxy on loopback. */
    public static ProxyEnvironment of(tools.jackson.databind.JsonNode status) {
        String host = status.path("proxyAddress").asString("127.0.0.1");
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            host = "127.0.0.1";
        }
        return new ProxyEnvironment(host, status.path("proxyPort").asInt());
    }

    /** The JVM options alone, e.g. {@code -DsocksProxyHost=127.0.0.1 -DsocksProxyPort=1080}. */
    public String javaOptions() {
        return "-DsocksProxyHost=" + proxyHost + " -DsocksProxyPort=" + proxyPort;
    }

    private String userInfo() {
        return credentials.map(c -> encode(c.username()) + ":" + encode(c.password()) + "@").orElse("");
    }

    private static String encode(String part) {
        return URLEncoder.encode(part, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * The variables, upper and lower case (curl reads only the lower-case {@code http_proxy}).
     * {@code JAVA_TOOL_OPTIONS} is appended to {@code existingJavaToolOptions} when there is one.
     */
    public Map<String, String> variables(String existingJavaToolOptions) {
        return variables(existingJavaToolOptions, javaOptions());
    }

    /**
     * The variables with {@code javaOptions} (e.g. the Java agent's {@code -javaagent:} option,
     * which makes the SOCKS properties unnecessary) appended to {@code JAVA_TOOL_OPTIONS}.
     */
    public Map<String, String> variables(String existingJavaToolOptions, String javaOptions) {
        Map<String, String> env = new LinkedHashMap<>();
        String javaOpts = existingJavaToolOptions == null || existingJavaToolOptions.isBlank()
                ? javaOptions : existingJavaToolOptions.strip() + " " + javaOptions;
        env.put("JAVA_TOOL_OPTIONS", javaOpts);
        String socks = "socks5h://" + userInfo() + proxyHost + ":" + proxyPort;
        String http = "http://" + userInfo() + proxyHost + ":" + proxyPort;
        for (String[] pair : new String[][] {{"ALL_PROXY", socks}, {"HTTP_PROXY", http}, {"HTTPS_PROXY", http}, {"NO_PROXY", NO_PROXY}}) {
            env.put(pair[0], pair[1]);
            env.put(pair[0].toLowerCase(Locale.ROOT), pair[1]);
        }
        return env;
    }

    /** The lines {@code kproxy connect} prints: what to export, by kind of client. */
    public String usage(String dnsAddress) {
        return usage(dnsAddress, null);
    }

    /** With {@code agentOption}, also the Java agent's line (it covers NIO, Netty and HttpClient, which ignore SOCKS). */
    public String usage(String dnsAddress, String agentOption) {
        List<String> lines = new ArrayList<>();
        lines.add("  JVMs:        export JAVA_TOOL_OPTIONS=\"" + javaOptions() + "\"");
        if (agentOption != null) {
            lines.add("  any JVM client (NIO, Netty, HttpClient), the Java agent instead:");
            lines.add("               export JAVA_TOOL_OPTIONS=\"" + agentOption + "\"");
        }
        lines.add("  curl & co:   export ALL_PROXY=socks5h://" + proxyHost + ":" + proxyPort);
        lines.add("  HTTP:        export HTTP_PROXY=http://" + proxyHost + ":" + proxyPort
                + " HTTPS_PROXY=http://" + proxyHost + ":" + proxyPort);
        lines.add("               export NO_PROXY=" + NO_PROXY);
        lines.add("  DNS:         " + dnsAddress + " (UDP and TCP), e.g. dig @" + dnsAddress.replace(":", " -p ") + " sage");
        lines.add("  or run one command with all of it: kproxy run -- CMD... (java gets the agent)");
        return String.join(System.lineSeparator(), lines);
    }
}

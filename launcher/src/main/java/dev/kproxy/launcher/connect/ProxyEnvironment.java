package dev.kproxy.launcher.connect;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The environment that points a program at the proxy: the JDK's SOCKS properties (through
 * {@code JAVA_TOOL_OPTIONS}, which every JVM reads at start), {@code ALL_PROXY} with
 * {@code socks5h} (the proxy resolves the name, so cluster names work) for curl and most
 * libraries, {@code HTTP(S)_PROXY} for HTTP clients, and {@code NO_PROXY} for the laptop itself.
 */
public record ProxyEnvironment(String proxyHost, int proxyPort) {

    public static final String NO_PROXY = "localhost,127.0.0.1,::1";

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
        String socks = "socks5h://" + proxyHost + ":" + proxyPort;
        String http = "http://" + proxyHost + ":" + proxyPort;
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

    /** With {@code agentOption}, the Java agent's line too (it covers NIO, Netty and HttpClient, which ignore SOCKS). */
    public String usage(String dnsAddress, String agentOption) {
        return String.join(System.lineSeparator(),
                "  JVMs:        export JAVA_TOOL_OPTIONS=\"" + javaOptions() + "\"",
                agentOption == null ? "" : "  any JVM client (NIO, Netty, HttpClient), Java agent instead:" + System.lineSeparator()
                        + "               export JAVA_TOOL_OPTIONS=\"" + agentOption + "\"",
                "  curl & co:   export ALL_PROXY=socks5h://" + proxyHost + ":" + proxyPort,
                "  HTTP:        export HTTP_PROXY=http://" + proxyHost + ":" + proxyPort
                        + " HTTPS_PROXY=http://" + proxyHost + ":" + proxyPort,
                "               export NO_PROXY=" + NO_PROXY,
                "  DNS:         " + dnsAddress + " (UDP and TCP), e.g. dig @" + dnsAddress.replace(":", " -p ") + " sage",
                "  or run one command with all of it: kproxy run -- CMD...").replace(System.lineSeparator() + System.lineSeparator(), System.lineSeparator());
    }
}

package dev.kproxy.proxy;

import java.util.Locale;

/**
 * The destination named by an HTTP proxy request: the authority of {@code CONNECT host:port}
 * (RFC 9110 section 9.3.6) or of an absolute-form URI (RFC 9112 section 3.2.2), plus the
 * origin-form path the upstream should see.
 */
record HttpTarget(String host, int port, String originForm) {

    /** Thrown for a request target the proxy cannot use; the message is the one-line reason. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static final String HTTP_SCHEME = "http://";

    static HttpTarget ofConnect(String authority) throws Invalid {
        return parseAuthority(authority, -1, "");
    }

    static HttpTarget ofAbsoluteUri(String uri) throws Invalid {
        if (uri.startsWith("/")) {
            throw new Invalid(uri + " is an origin-form request to the proxy itself;"
                    + " send absolute-form (GET http://host:port/path) or CONNECT host:port");
        }
        if (!uri.regionMatches(true, 0, HTTP_SCHEME, 0, HTTP_SCHEME.length())) {
            throw new Invalid("only http:// URIs can be forwarded, use CONNECT for " + schemeOf(uri));
        }
        int authorityStart = HTTP_SCHEME.length();
        int authorityEnd = authorityStart;
        while (authorityEnd < uri.length() && "/?#".indexOf(uri.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String path = uri.substring(authorityEnd);
        int fragment = path.indexOf('#');
        if (fragment >= 0) {
            path = path.substring(0, fragment);
        }
        if (path.isEmpty() || path.charAt(0) != '/') {
            path = "/" + path;
        }
        String authority = uri.substring(authorityStart, authorityEnd);
        int userInfo = authority.lastIndexOf('@');
        return parseAuthority(authority.substring(userInfo + 1), 80, path);
    }

    /** {@code host:port}, {@code [v6]:port}, or (with a default port) a bare host. */
    private static HttpTarget parseAuthority(String authority, int defaultPort, String path) throws Invalid {
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new Invalid("unterminated IPv6 literal in " + authority);
            }
            host = authority.substring(1, close);
            String rest = authority.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new Invalid("unexpected text after IPv6 literal in " + authority);
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
        }
        if (host.isEmpty() || !host.chars().allMatch(HttpTarget::isHostChar)) {
            throw new Invalid("no valid host in '" + authority + "'");
        }
        int port = portText == null || portText.isEmpty() ? defaultPort : parsePort(portText, authority);
        if (port < 0) {
            throw new Invalid("'" + authority + "' has no port; CONNECT needs host:port");
        }
        return new HttpTarget(host.toLowerCase(Locale.ROOT), port, path);
    }

    private static int parsePort(String text, String authority) throws Invalid {
        if (text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new Invalid("invalid port in '" + authority + "'");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw new Invalid("port out of range in '" + authority + "'");
        }
        return port;
    }

    /** Letters, digits and the punctuation hosts, IPv6 literals and zone ids can contain. */
    private static boolean isHostChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._:%".indexOf(c) >= 0;
    }

    private static String schemeOf(String uri) {
        int colon = uri.indexOf(':');
        return colon > 0 && colon < 16 ? uri.substring(0, colon) + " URIs" : "'" + uri + "'";
    }

    Destination destination(ProxyProtocol protocol) {
        return new Destination(host, port, protocol);
    }
}

package dev.kproxy.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Checks a {@code Proxy-Authorization: Basic base64(user:pass)} header (RFC 7617). */
final class BasicProxyAuthorization {

    static final String CHALLENGE_HEADER = "Proxy-Authenticate: Basic realm=\"kproxy\", charset=\"UTF-8\"";

    private BasicProxyAuthorization() {
    }

    static boolean accepts(ProxyCredentials credentials, String headerValue) {
        if (headerValue == null || !headerValue.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(headerValue.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        int colon = decoded.indexOf(':');
        return colon >= 0 && credentials.matches(decoded.substring(0, colon), decoded.substring(colon + 1));
    }
}

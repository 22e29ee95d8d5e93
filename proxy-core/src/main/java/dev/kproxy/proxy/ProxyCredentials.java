package dev.kproxy.proxy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/** The one username/password pair the proxy accepts (SOCKS5 RFC 1929, HTTP Basic). */
public record ProxyCredentials(String username, String password) {

    public ProxyCredentials {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (username.getBytes(StandardCharsets.UTF_8).length > 255 || password.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("proxy username and password must each fit in 255 bytes (RFC 1929)");
        }
    }

    /** Constant-time comparison, so timing does not reveal how much of a guess was right. */
    public boolean matches(String user, String pass) {
        return MessageDigest.isEqual(username.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8))
                & MessageDigest.isEqual(password.getBytes(StandardCharsets.UTF_8), pass.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ProxyCredentials[username=" + username + ", password=***]";
    }
}

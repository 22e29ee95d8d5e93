package dev.kproxy.sandbox.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Bearer-token authentication, the only kind the sandbox offers (kubeconfig {@code user.token}).
 * Tokens are compared in constant time so a local attacker cannot probe them byte by byte.
 */
final class Authenticator {
    record Account(String token, Identity identity) {
    }

    private final List<Account> accounts;

    Authenticator(List<Account> accounts) {
        this.accounts = List.copyOf(accounts);
    }

    /** @throws ApiException 401 when the header is missing, malformed or names no account */
    Identity authenticate(HttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized();
        }
        byte[] offered = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        for (Account a : accounts) {
            if (MessageDigest.isEqual(offered, a.token().getBytes(StandardCharsets.UTF_8))) {
                return a.identity();
            }
        }
        throw ApiException.unauthorized();
    }
}

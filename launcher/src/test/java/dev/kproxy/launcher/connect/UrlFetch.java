package dev.kproxy.launcher.connect;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A child JVM's GET with {@link HttpURLConnection} and no proxy in the code: prints "http STATUS BODY". */
public final class UrlFetch {
    public static void main(String[] args) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(args[0]).toURL().openConnection();
        c.setConnectTimeout(20_000);
        c.setReadTimeout(20_000);
        try (InputStream in = c.getInputStream()) {
            System.out.println("http " + c.getResponseCode() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
    }

    private UrlFetch() {
    }
}

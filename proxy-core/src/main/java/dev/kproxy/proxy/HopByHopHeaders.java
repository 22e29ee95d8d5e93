package dev.kproxy.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * Headers that describe one connection, not the message (RFC 9110 section 7.6.1), removed before a
 * message crosses the proxy. Transfer-Encoding is kept: the codecs on both sides use it to frame
 * the streamed body, and re-encode it per connection.
 */
final class HopByHopHeaders {

    private static final List<CharSequence> ALWAYS = List.of(
            HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.PROXY_CONNECTION,
            HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.UPGRADE);

    private HopByHopHeaders() {
    }

    static void strip(HttpHeaders headers) {
        for (String connection : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String listed : connection.split(",")) {
                String name = listed.trim();
                if (!name.isEmpty() && !name.equalsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING.toString())) {
                    headers.remove(name);
                }
            }
        }
        ALWAYS.forEach(headers::remove);
    }
}

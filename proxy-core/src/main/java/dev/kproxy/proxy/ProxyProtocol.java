package dev.kproxy.proxy;

/** Which client protocol asked for a destination; dialers may use it for logging or policy. */
public enum ProxyProtocol {
    SOCKS5,
    SOCKS4,
    SOCKS4A,
    /** {@code CONNECT host:port} tunnel. */
    HTTP_CONNECT,
    /** Absolute-form request ({@code GET http://host:port/path}) forwarded as origin-form. */
    HTTP_FORWARD
}

package dev.kproxy.sandbox.api;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import dev.kproxy.sandbox.admission.Admission;
import dev.kproxy.sandbox.pki.SandboxPki;
import dev.kproxy.sandbox.store.ObjectStore;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import tools.jackson.databind.JsonNode;

/**
 * The sandbox's Kubernetes API server: HTTPS on loopback, bearer tokens, discovery, REST and
 * watch for every {@code ResourceCatalog} type, Tables for kubectl, and the hooks for
 * port-forward, logs and the sandbox's own control routes.
 *
 * <pre>{@code
 * ApiServer api = ApiServer.builder(store, admission, pki).adminToken(token).build();
 * URI uri = api.start(0);
 * }</pre>
 */
public final class ApiServer implements AutoCloseable {
    /** The largest request body accepted; Kubernetes' own limit is 3 MiB per object. */
    private static final int MAX_BODY = 8 * 1024 * 1024;

    private final SslContext ssl;
    private final ObjectStore store;
    private final Admission admission;
    private final Authenticator authenticator;
    private final PortForwardEndpoint portForward;
    private final PodLogs podLogs;
    private final Supplier<JsonNode> status;
    private final Runnable shutdown;
    private final Duration connectionLatency;
    private final LoopbackServer server = new LoopbackServer("the API server", 2);
    /** New for each start, as a restarted API server starts afresh. */
    private volatile ApiRouter.Routes routes;
    private URI uri;

    private ApiServer(Builder b) {
        this.ssl = b.pki.serverSslContext();
        this.store = b.store;
        this.admission = b.admission;
        this.authenticator = new Authenticator(b.accounts);
        this.portForward = b.portForward;
        this.podLogs = b.podLogs;
        this.status = b.status;
        this.shutdown = b.shutdown;
        this.connectionLatency = b.connectionLatency;
    }

    public static Builder builder(ObjectStore store, Admission admission, SandboxPki pki) {
        return new Builder(store, admission, pki);
    }

    /**
     * Listens on 127.0.0.1.
     *
     * @param port 0 for an ephemeral port
     * @return the server's base URI, e.g. {@code https://127.0.0.1:40123}
     */
    public synchronized URI start(int port) {
        routes = new ApiRouter.Routes(authenticator, new RestHandler(store, admission), portForward, podLogs, status, shutdown);
        InetSocketAddress bound = server.start(port, this::pipeline);
        uri = URI.create("https://127.0.0.1:" + bound.getPort());
        return uri;
    }

    /** The base URI, once started. */
    public synchronized URI uri() {
        if (uri == null) {
            throw new IllegalStateException("the API server has not been started");
        }
        return uri;
    }

    /**
     * Stops listening and closes every connection, watches included, as a real API server's
     * connections end when it stops: clients see the close and re-list and re-watch.
     */
    @Override
    public synchronized void close() {
        server.close();
    }

    private void pipeline(SocketChannel ch) {
        if (!connectionLatency.isZero()) {
            ch.pipeline().addLast("setup-latency", new ConnectionSetupLatency(connectionLatency));
        }
        ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc()))
                .addLast("http", new HttpServerCodec())
                .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
                .addLast("api", new ApiRouter(routes));
    }

    /** Collects what the server needs; only the store, admission and PKI are required. */
    public static final class Builder {
        private final ObjectStore store;
        private final Admission admission;
        private final SandboxPki pki;
        private final List<Authenticator.Account> accounts = new ArrayList<>();
        private PortForwardEndpoint portForward = (ctx, request, namespace, pod) -> {
            throw new ApiException(404, "NotFound", "port-forward is not available in this sandbox");
        };
        private PodLogs podLogs = (namespace, pod, container) -> Optional.empty();
        private Supplier<JsonNode> status = () -> StatusResponses.JSON.createObjectNode();
        private Runnable shutdown = () -> { };
        private Duration connectionLatency = Duration.ZERO;

        private Builder(ObjectStore store, Admission admission, SandboxPki pki) {
            this.store = Objects.requireNonNull(store);
            this.admission = Objects.requireNonNull(admission);
            this.pki = Objects.requireNonNull(pki);
        }

        /** The token of the sandbox's administrator, who may do everything (kubeconfig {@code user.token}). */
        public Builder adminToken(String token) {
            accounts.add(new Authenticator.Account(requireToken(token), new Identity("kproxy-admin", true, AccessRules.none())));
            return this;
        }

        /** A user who may do only what {@code rules} allow, for testing how kproxy meets RBAC denials. */
        public Builder user(String name, String token, AccessRules rules) {
            accounts.add(new Authenticator.Account(requireToken(token), new Identity(name, false, rules)));
            return this;
        }

        public Builder portForward(PortForwardEndpoint endpoint) {
            this.portForward = Objects.requireNonNull(endpoint);
            return this;
        }

        /** The injected network round trip: each new connection's TCP and TLS handshakes pay it (see {@link ConnectionSetupLatency}). */
        public Builder connectionLatency(Duration roundTrip) {
            this.connectionLatency = roundTrip.isNegative() ? Duration.ZERO : roundTrip;
            return this;
        }

        public Builder podLogs(PodLogs logs) {
            this.podLogs = Objects.requireNonNull(logs);
            return this;
        }

        /** The body of {@code GET /sandbox/status} (admin only). */
        public Builder status(Supplier<JsonNode> status) {
            this.status = Objects.requireNonNull(status);
            return this;
        }

        /** What {@code POST /sandbox/shutdown} (admin only) runs, on a thread of its own, after answering 202. */
        public Builder shutdown(Runnable shutdown) {
            this.shutdown = Objects.requireNonNull(shutdown);
            return this;
        }

        public ApiServer build() {
            if (accounts.isEmpty()) {
                throw new IllegalStateException("the API server needs at least one token: call adminToken(...)");
            }
            return new ApiServer(this);
        }

        private static String requireToken(String token) {
            if (token == null || token.isBlank()) {
                throw new IllegalArgumentException("a bearer token must not be empty");
            }
            return token;
        }
    }
}

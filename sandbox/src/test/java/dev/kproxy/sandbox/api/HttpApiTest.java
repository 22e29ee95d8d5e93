package dev.kproxy.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.kproxy.sandbox.store.ResourceCatalog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The wire format, read with the JDK's own HTTP client and a raw TLS socket. */
class HttpApiTest {
    static SandboxApiFixture sandbox;

    @BeforeAll
    static void start() {
        sandbox = new SandboxApiFixture();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    static ObjectNode pod(String name, String ns, String app) {
        ObjectNode p = SandboxApiFixture.JSON.createObjectNode();
        ObjectNode meta = p.putObject("metadata");
        meta.put("name", name);
        meta.put("namespace", ns);
        meta.putObject("labels").put("app", app);
        p.putObject("spec").putArray("containers").addObject().put("name", "app").put("image", "img");
        return p;
    }

    static JsonNode json(HttpResponse<String> r) {
        return SandboxApiFixture.JSON.readTree(r.body());
    }

    HttpResponse<String> get(String path, String token) {
        return sandbox.send(sandbox.request(path, token).GET().build());
    }

    @Test
    void requestsWithoutAValidTokenGet401Status() {
        HttpResponse<String> none = get("/api/v1/namespaces/wjyl-dev/pods", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(json(none).path("kind").asString()).isEqualTo("Status");
        assertThat(json(none).path("reason").asString()).isEqualTo("Unauthorized");
        assertThat(get("/version", "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/readyz", "wrong").statusCode()).isEqualTo(401);
        assertThat(get("/readyz", SandboxApiFixture.ADMIN_TOKEN).body()).isEqualTo("ok");
    }

    @Test
    void discoveryListsResourcesWithShortNamesAndSubresources() {
        JsonNode version = json(get("/version", SandboxApiFixture.ADMIN_TOKEN));
        assertThat(version.path("major").asString()).isEqualTo("1");
        JsonNode core = json(get("/api/v1", SandboxApiFixture.ADMIN_TOKEN));
        assertThat(core.path("kind").asString()).isEqualTo("APIResourceList");
        List<String> names = new ArrayList<>();
        core.path("resources").forEach(r -> names.add(r.path("name").asString()));
        assertThat(names).contains("pods", "pods/portforward", "pods/log", "pods/status", "services", "namespaces");
        JsonNode pods = find(core, "pods");
        assertThat(pods.path("shortNames").get(0).asString()).isEqualTo("po");
        assertThat(pods.path("namespaced").asBoolean()).isTrue();
        assertThat(find(core, "namespaces").path("namespaced").asBoolean()).isFalse();
        JsonNode apps = json(get("/apis/apps/v1", SandboxApiFixture.ADMIN_TOKEN));
        assertThat(find(apps, "deployments").path("shortNames").get(0).asString()).isEqualTo("deploy");
        JsonNode groups = json(get("/apis", SandboxApiFixture.ADMIN_TOKEN));
        List<String> groupNames = new ArrayList<>();
        groups.path("groups").forEach(g -> groupNames.add(g.path("name").asString()));
        assertThat(groupNames).containsExactlyInAnyOrder("apps", "discovery.k8s.io");
        assertThat(get("/apis/nothing/v1", SandboxApiFixture.ADMIN_TOKEN).statusCode()).isEqualTo(404);
    }

    private static JsonNode find(JsonNode list, String name) {
        for (JsonNode r : list.path("resources")) {
            if (r.path("name").asString().equals(name)) {
                return r;
            }
        }
        throw new AssertionError(name + " not in " + list);
    }

    @Test
    void malformedJsonIs400AndTheConnectionKeepsServing() throws IOException {
        try (SSLSocket s = (SSLSocket) sandbox.pki.clientSslContext().getSocketFactory()
                .createSocket("127.0.0.1", sandbox.uri.getPort())) {
            String body = "{\"metadata\": {\"name\": ";
            String req = "POST /api/v1/namespaces/wjyl-dev/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + SandboxApiFixture.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body
                    + "GET /api/v1/namespaces/wjyl-dev/configmaps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + SandboxApiFixture.ADMIN_TOKEN + "\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String first = readResponse(in);
            String second = readResponse(in);
            assertThat(first).startsWith("HTTP/1.1 400").contains("\"reason\":\"BadRequest\"");
            assertThat(second).startsWith("HTTP/1.1 200").contains("\"kind\":\"ConfigMapList\"");
        }
    }

    /** Reads one Content-Length framed response. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after " + head);
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void chunkedWatchStreamsEventsAndTurnsSelectorExitsIntoDeleted() throws Exception {
        sandbox.namespace("watched");
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        HttpRequest watch = sandbox.request("/api/v1/namespaces/watched/pods?watch=true&labelSelector=app%3Dsage"
                + "&resourceVersion=" + sandbox.store.resourceVersion(),
                SandboxApiFixture.ADMIN_TOKEN).GET().build();
        HttpResponse<InputStream> response = sandbox.http().send(watch, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    events.add(SandboxApiFixture.JSON.readTree(line));
                }
            } catch (IOException closed) {
                // the test ends the stream by closing the server
            }
        });
        reader.start();
        sandbox.store.create(ResourceCatalog.POD, pod("w1", "watched", "other"));
        sandbox.store.create(ResourceCatalog.POD, pod("w2", "watched", "sage"));
        sandbox.store.modify(ResourceCatalog.POD, "watched", "w1", p -> {
            ((ObjectNode) p.path("metadata").path("labels")).put("app", "sage");
            return p;
        });
        sandbox.store.modify(ResourceCatalog.POD, "watched", "w2", p -> {
            ((ObjectNode) p.path("metadata").path("labels")).put("app", "gone");
            return p;
        });
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            JsonNode e = events.poll(10, TimeUnit.SECONDS);
            assertThat(e).as("event %d of %s", i, seen).isNotNull();
            seen.add(e.path("type").asString() + " " + e.path("object").path("metadata").path("name").asString());
        }
        assertThat(seen).containsExactly("ADDED w2", "ADDED w1", "DELETED w2");
        response.body().close();
        reader.join(5000);
    }

    @Test
    void watchFromAnExpiredVersionGetsA410ErrorEvent() throws Exception {
        for (int i = 0; i < 20_005; i++) {
            sandbox.store.modify(ResourceCatalog.NAMESPACE, "", "other", ns -> {
                ((ObjectNode) ns.path("metadata")).putObject("labels").put("n", Long.toString(System.nanoTime()));
                return ns;
            });
        }
        HttpResponse<String> r = get("/api/v1/namespaces/wjyl-dev/pods?watch=1&resourceVersion=2&timeoutSeconds=5",
                SandboxApiFixture.ADMIN_TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode event = SandboxApiFixture.JSON.readTree(r.body().lines().findFirst().orElseThrow());
        assertThat(event.path("type").asString()).isEqualTo("ERROR");
        assertThat(event.path("object").path("code").asInt()).isEqualTo(410);
        assertThat(event.path("object").path("reason").asString()).isEqualTo("Expired");
    }

    @Test
    void watchWithoutVersionStartsWithTheCurrentObjectsAndEndsAtTimeout() {
        sandbox.namespace("timed");
        sandbox.store.create(ResourceCatalog.POD, pod("t1", "timed", "a"));
        HttpResponse<String> r = get("/api/v1/namespaces/timed/pods?watch=true&timeoutSeconds=1&allowWatchBookmarks=true",
                SandboxApiFixture.ADMIN_TOKEN);
        List<String> lines = r.body().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(SandboxApiFixture.JSON.readTree(lines.get(0)).path("type").asString()).isEqualTo("ADDED");
        assertThat(SandboxApiFixture.JSON.readTree(lines.get(1)).path("type").asString()).isEqualTo("BOOKMARK");
    }

    @Test
    void tablesForKubectl() throws Exception {
        sandbox.namespace("tables");
        ObjectNode p = pod("crashy", "tables", "x");
        ObjectNode cs = p.putObject("status").put("phase", "Running").put("podIP", "10.0.0.9")
                .putArray("containerStatuses").addObject();
        cs.put("name", "app").put("ready", false).put("restartCount", 4);
        cs.putObject("state").putObject("waiting").put("reason", "CrashLoopBackOff");
        sandbox.store.create(ResourceCatalog.POD, p);
        HttpResponse<String> r = sandbox.send(sandbox.request("/api/v1/namespaces/tables/pods", SandboxApiFixture.ADMIN_TOKEN)
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json").GET().build());
        JsonNode table = json(r);
        assertThat(table.path("kind").asString()).isEqualTo("Table");
        List<String> columns = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asString()));
        assertThat(columns).containsExactly("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node");
        JsonNode cells = table.path("rows").get(0).path("cells");
        assertThat(cells.get(0).asString()).isEqualTo("crashy");
        assertThat(cells.get(1).asString()).isEqualTo("0/1");
        assertThat(cells.get(2).asString()).isEqualTo("CrashLoopBackOff");
        assertThat(cells.get(3).asInt()).isEqualTo(4);
        assertThat(cells.get(5).asString()).isEqualTo("10.0.0.9");
        assertThat(table.path("rows").get(0).path("object").path("kind").asString()).isEqualTo("PartialObjectMetadata");

        ObjectNode svc = SandboxApiFixture.JSON.createObjectNode();
        svc.putObject("metadata").put("name", "sage").put("namespace", "tables");
        ObjectNode spec = svc.putObject("spec").put("type", "NodePort").put("clusterIP", "10.96.0.10");
        spec.putArray("ports").addObject().put("port", 80).put("nodePort", 30080).put("protocol", "TCP");
        sandbox.store.create(ResourceCatalog.SERVICE, svc);
        JsonNode svcTable = json(sandbox.send(sandbox.request("/api/v1/namespaces/tables/services/sage",
                SandboxApiFixture.ADMIN_TOKEN).header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").GET().build()));
        JsonNode row = svcTable.path("rows").get(0).path("cells");
        assertThat(row.get(1).asString()).isEqualTo("NodePort");
        assertThat(row.get(2).asString()).isEqualTo("10.96.0.10");
        assertThat(row.get(3).asString()).isEqualTo("<none>");
        assertThat(row.get(4).asString()).isEqualTo("80:30080/TCP");

        // kubectl get -w: every watch event carries a one-row Table.
        HttpResponse<String> watch = sandbox.send(sandbox.request("/api/v1/namespaces/tables/pods?watch=true&timeoutSeconds=1",
                SandboxApiFixture.ADMIN_TOKEN).header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").GET().build());
        JsonNode event = SandboxApiFixture.JSON.readTree(watch.body().lines().findFirst().orElseThrow());
        assertThat(event.path("type").asString()).isEqualTo("ADDED");
        assertThat(event.path("object").path("kind").asString()).isEqualTo("Table");
        assertThat(event.path("object").path("rows").get(0).path("cells").get(0).asString()).isEqualTo("crashy");
    }

    @Test
    void portForwardNeedsCreateOnPodsPortforwardThenHandsOverTheConnection() throws IOException {
        try (SSLSocket s = (SSLSocket) sandbox.pki.clientSslContext().getSocketFactory()
                .createSocket("127.0.0.1", sandbox.uri.getPort())) {
            s.getOutputStream().write(("GET /api/v1/namespaces/wjyl-dev/pods/sage-1/portforward?ports=8080 HTTP/1.1\r\n"
                    + "Host: x\r\nAuthorization: Bearer " + SandboxApiFixture.ALICE_TOKEN + "\r\nConnection: Upgrade\r\n"
                    + "Upgrade: websocket\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = readResponse(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 101").contains("X-Pod: wjyl-dev/sage-1");
            assertThat(s.getInputStream().read()).isEqualTo('!');
        }
        HttpResponse<String> denied = sandbox.send(sandbox.request("/api/v1/namespaces/other/pods/p/portforward?ports=1",
                SandboxApiFixture.ALICE_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(json(denied).path("message").asString()).isEqualTo("pods \"p\" is forbidden: User \"alice\" cannot "
                + "create resource \"pods/portforward\" in API group \"\" in the namespace \"other\"");
    }

    @Test
    void podLogsAndSandboxRoutes() {
        HttpResponse<String> logs = get("/api/v1/namespaces/wjyl-dev/pods/sage-1/log", SandboxApiFixture.ADMIN_TOKEN);
        assertThat(logs.statusCode()).isEqualTo(200);
        assertThat(logs.body()).isEqualTo("started wjyl-dev/sage-1\n");
        assertThat(get("/api/v1/namespaces/wjyl-dev/pods/ghost/log", SandboxApiFixture.ADMIN_TOKEN).statusCode())
                .isEqualTo(404);

        assertThat(json(get("/sandbox/status", SandboxApiFixture.ADMIN_TOKEN)).has("pods")).isTrue();
        HttpResponse<String> aliceStatus = get("/sandbox/status", SandboxApiFixture.ALICE_TOKEN);
        assertThat(aliceStatus.statusCode()).isEqualTo(403);
        HttpResponse<String> aliceShutdown = sandbox.send(sandbox.request("/sandbox/shutdown", SandboxApiFixture.ALICE_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(aliceShutdown.statusCode()).isEqualTo(403);
        assertThat(sandbox.shutdowns.get()).isZero();
        HttpResponse<String> shutdown = sandbox.send(sandbox.request("/sandbox/shutdown", SandboxApiFixture.ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertThat(shutdown.statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.shutdowns.get() == 1);
    }

    @Test
    void unsupportedPatchTypeIs415() {
        sandbox.store.create(ResourceCatalog.POD, pod("patched", "wjyl-dev", "a"));
        HttpResponse<String> r = sandbox.send(sandbox.request("/api/v1/namespaces/wjyl-dev/pods/patched",
                SandboxApiFixture.ADMIN_TOKEN).header("Content-Type", "application/apply-patch+yaml")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("metadata: {}")).build());
        assertThat(r.statusCode()).isEqualTo(415);
        assertThat(json(r).path("reason").asString()).isEqualTo("UnsupportedMediaType");
    }

    @Test
    void webSocketWatchSendsOneTextMessagePerEvent() throws Exception {
        sandbox.namespace("ws");
        sandbox.store.create(ResourceCatalog.POD, pod("ws-old", "ws", "a"));
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        java.net.http.WebSocket.Listener listener = new java.net.http.WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data,
                                                                  boolean last) {
                text.append(data);
                if (last) {
                    events.add(SandboxApiFixture.JSON.readTree(text.toString()));
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }
        };
        java.net.http.WebSocket ws = sandbox.http().newWebSocketBuilder()
                .header("Authorization", "Bearer " + SandboxApiFixture.ADMIN_TOKEN)
                .buildAsync(java.net.URI.create("wss://127.0.0.1:" + sandbox.uri.getPort()
                        + "/api/v1/namespaces/ws/pods?watch=true&fieldSelector=metadata.name%3Dws-new&resourceVersion="
                        + sandbox.store.resourceVersion()), listener)
                .get(10, TimeUnit.SECONDS);
        try {
            sandbox.store.create(ResourceCatalog.POD, pod("ws-new", "ws", "a"));
            sandbox.store.delete(ResourceCatalog.POD, "ws", "ws-new");
            JsonNode added = events.poll(10, TimeUnit.SECONDS);
            JsonNode deleted = events.poll(10, TimeUnit.SECONDS);
            assertThat(added.path("type").asString()).isEqualTo("ADDED");
            assertThat(added.path("object").path("metadata").path("name").asString()).isEqualTo("ws-new");
            assertThat(deleted.path("type").asString()).isEqualTo("DELETED");
            assertThat(events).isEmpty();
        } finally {
            ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void replayedHistoryHonoursSelectors() {
        sandbox.namespace("replay");
        sandbox.store.create(ResourceCatalog.POD, pod("keep", "replay", "sage"));
        sandbox.store.create(ResourceCatalog.POD, pod("leave", "replay", "sage"));
        long listedAt = sandbox.store.resourceVersion();
        sandbox.store.modify(ResourceCatalog.POD, "replay", "leave", p -> {
            ((ObjectNode) p.path("metadata").path("labels")).put("app", "gone");
            return p;
        });
        HttpResponse<String> byLabel = get("/api/v1/namespaces/replay/pods?watch=1&timeoutSeconds=1&labelSelector=app%3Dsage"
                + "&resourceVersion=" + listedAt, SandboxApiFixture.ADMIN_TOKEN);
        assertThat(byLabel.body().lines().map(l -> {
            JsonNode e = SandboxApiFixture.JSON.readTree(l);
            return e.path("type").asString() + " " + e.path("object").path("metadata").path("name").asString();
        }).toList()).containsExactly("DELETED leave");

        // kubectl's wait for deletion: a change to another pod must not look like our pod's deletion.
        HttpResponse<String> byName = get("/api/v1/namespaces/replay/pods?watch=1&timeoutSeconds=1"
                + "&fieldSelector=metadata.name%3Dkeep&resourceVersion=" + listedAt, SandboxApiFixture.ADMIN_TOKEN);
        assertThat(byName.statusCode()).isEqualTo(200);
        assertThat(byName.body()).isEmpty();
    }
}

package dev.kproxy.sandbox.network;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A port-forward client built on the JDK's own WebSocket client (not kproxy's): reassembles
 * messages, records each channel's first message (the port prefix), hashes the data channel's
 * later payloads, collects error-channel text, and can stop requesting messages to play a slow
 * reader.
 */
final class ChannelWebSocketClient implements WebSocket.Listener, AutoCloseable {
    private final boolean base64;
    private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
    private final StringBuilder text = new StringBuilder();
    final Map<Integer, byte[]> firstMessage = new ConcurrentHashMap<>();
    final StringBuffer errorText = new StringBuffer();
    final AtomicLong dataBytes = new AtomicLong();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final MessageDigest dataDigest;
    private final Consumer<byte[]> dataListener;
    private volatile boolean paused;
    private boolean owed;
    private final HttpClient http = HttpClient.newHttpClient();
    final WebSocket ws;

    private ChannelWebSocketClient(URI uri, String subprotocol, Consumer<byte[]> dataListener) throws Exception {
        this.base64 = subprotocol.contains("base64");
        this.dataListener = dataListener;
        this.dataDigest = sha256();
        this.ws = http.newWebSocketBuilder().subprotocols(subprotocol).buildAsync(uri, this).join();
    }

    static ChannelWebSocketClient connect(String url, String subprotocol) throws Exception {
        return connect(url, subprotocol, b -> { });
    }

    /** Connects with a listener that sees every data-channel payload after the prefix, in order. */
    static ChannelWebSocketClient connect(String url, String subprotocol, Consumer<byte[]> dataListener) throws Exception {
        return new ChannelWebSocketClient(URI.create(url), subprotocol, dataListener);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of every data-channel byte after the prefix; call once the bytes have arrived. */
    synchronized byte[] dataSha256() {
        return dataDigest.digest();
    }

    void send(int channel, byte[] payload) {
        if (base64) {
            ws.sendText((char) ('0' + channel) + Base64.getEncoder().encodeToString(payload), true).join();
        } else {
            ByteBuffer message = ByteBuffer.allocate(payload.length + 1).put((byte) channel).put(payload).flip();
            ws.sendBinary(message, true).join();
        }
    }

    /** Sends one binary message as several WebSocket fragments (continuation frames). */
    void sendFragmented(byte[]... parts) {
        for (int i = 0; i < parts.length; i++) {
            ws.sendBinary(ByteBuffer.wrap(parts[i]), i == parts.length - 1).join();
        }
    }

    synchronized void pause() {
        paused = true;
    }

    synchronized void resume() {
        paused = false;
        if (owed) {
            owed = false;
            ws.request(1);
        }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        binary.writeBytes(bytes);
        if (last) {
            byte[] message = binary.toByteArray();
            binary.reset();
            deliver(message[0], java.util.Arrays.copyOfRange(message, 1, message.length));
        }
        next(webSocket);
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
            String message = text.toString();
            text.setLength(0);
            deliver(message.charAt(0) - '0', Base64.getDecoder().decode(message.substring(1)));
        }
        next(webSocket);
        return null;
    }

    private synchronized void next(WebSocket webSocket) {
        if (paused) {
            owed = true;
        } else {
            webSocket.request(1);
        }
    }

    private void deliver(int channel, byte[] payload) {
        if (firstMessage.putIfAbsent(channel, payload) == null) {
            return;
        }
        if (channel % 2 == 1) {
            errorText.append(new String(payload, StandardCharsets.UTF_8));
            return;
        }
        synchronized (this) {
            dataDigest.update(payload);
        }
        dataBytes.addAndGet(payload.length);
        dataListener.accept(payload);
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.completeExceptionally(error);
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").exceptionally(e -> null).join();
        }
        ws.abort();

    }
}

package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Frames from {@link MaskingFrameEncoder}, read back by Netty's server-side decoder, which insists on masks. */
class MaskingFrameEncoderTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3, 7, 8, 9, 125, 126, 127, 65_535, 65_536, 65_544, 200_001})
    void aBinaryFrameOfAnyLengthArrivesUnmaskedByTheServer(int length) {
        byte[] payload = randomBytes(length, length);
        WebSocketFrame decoded = roundTrip(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        assertThat(decoded).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(decoded.isFinalFragment()).isTrue();
        assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(payload);
        decoded.release();
    }

    @Test
    void theWireCarriesTheMaskBitAKeyAndNoPlainPayload() {
        byte[] payload = new byte[64];
        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        client.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        ByteBuf wire = client.readOutbound();
        assertThat((int) wire.getUnsignedByte(0)).isEqualTo(0x82); // FIN, binary
        assertThat((int) wire.getUnsignedByte(1)).isEqualTo(0x80 | 64); // masked, length 64
        byte[] key = ByteBufUtil.getBytes(wire, 2, 4);
        byte[] body = ByteBufUtil.getBytes(wire, 6, 64);
        for (int i = 0; i < 64; i++) {
            assertThat(body[i]).isEqualTo(key[i % 4]); // zeros XOR the key
        }
        wire.release();
        client.finishAndReleaseAll();
    }

    @Test
    void aCompositePayloadIsSentAsOneFrame() {
        byte[] header = randomBytes(8, 1);
        byte[] data = randomBytes(40_000, 2);
        CompositeByteBuf composite = Unpooled.compositeBuffer()
                .addComponent(true, Unpooled.wrappedBuffer(header)).addComponent(true, Unpooled.wrappedBuffer(data));
        WebSocketFrame decoded = roundTrip(new BinaryWebSocketFrame(composite));
        byte[] expected = new byte[header.length + data.length];
        System.arraycopy(header, 0, expected, 0, header.length);
        System.arraycopy(data, 0, expected, header.length, data.length);
        assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(expected);
        decoded.release();
    }

    @Test
    void controlAndContinuationFramesKeepTheirKindAndFlags() {
        CloseWebSocketFrame close = (CloseWebSocketFrame) roundTrip(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
        assertThat(close.statusCode()).isEqualTo(1000);
        close.release();
        WebSocketFrame ping = roundTrip(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        assertThat(ping).isInstanceOf(PingWebSocketFrame.class);
        assertThat(ByteBufUtil.getBytes(ping.content())).containsExactly(1, 2, 3);
        ping.release();

        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameDecoder(config()));
        client.writeOutbound(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {1})));
        client.writeOutbound(new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {2})));
        for (Object wire; (wire = client.readOutbound()) != null; ) {
            server.writeInbound(wire);
        }
        WebSocketFrame first = server.readInbound();
        WebSocketFrame last = server.readInbound();
        assertThat(first).isInstanceOf(BinaryWebSocketFrame.class);
        assertThat(first.isFinalFragment()).isFalse();
        assertThat(last).isInstanceOf(ContinuationWebSocketFrame.class);
        assertThat(last.isFinalFragment()).isTrue();
        first.release();
        last.release();
    }

    @Test
    void maskingMatchesTheBytewiseDefinitionOnDirectHeapAndCompositeBuffers() {
        int key = 0xA1B2C3D4;
        for (int length : new int[] {0, 5, 8, 13, 64, 1001}) {
            byte[] plain = randomBytes(length, length + 7L);
            byte[] expected = new byte[length];
            for (int i = 0; i < length; i++) {
                expected[i] = (byte) (plain[i] ^ key >>> 24 - 8 * (i % 4)); // RFC 6455 5.3: octet i XOR key octet i mod 4
            }
            ByteBuf composite = Unpooled.compositeBuffer().addComponent(true, Unpooled.wrappedBuffer(new byte[] {9, 9, 9}))
                    .addComponent(true, Unpooled.wrappedBuffer(plain.clone()));
            for (ByteBuf buf : new ByteBuf[] {Unpooled.directBuffer(3 + length).writeZero(3).writeBytes(plain),
                    Unpooled.buffer(3 + length).writeZero(3).writeBytes(plain), composite}) {
                MaskingFrameEncoder.mask(buf, 3, length, key);
                assertThat(ByteBufUtil.getBytes(buf, 3, length)).as("%s of %d bytes", buf.getClass().getSimpleName(), length)
                        .isEqualTo(expected);
                buf.release();
            }
        }
    }

    @Test
    void aMaskedCopyMatchesTheBytewiseDefinitionWhateverThePartsOfTheSource() {
        int key = 0x1F2E3D4C;
        byte[] plain = randomBytes(3 + 5 + 1 + 1001 + 64, 11);
        byte[] expected = new byte[plain.length];
        for (int i = 0; i < plain.length; i++) {
            expected[i] = (byte) (plain[i] ^ key >>> 24 - 8 * (i % 4));
        }
        // Parts of odd lengths, direct and heap mixed, so each part starts at another byte of the key.
        int[] cuts = {0, 3, 8, 9, 1010, plain.length};
        CompositeByteBuf composite = Unpooled.compositeBuffer(8);
        for (int p = 0; p + 1 < cuts.length; p++) {
            ByteBuf part = p % 2 == 0 ? Unpooled.directBuffer() : Unpooled.buffer();
            composite.addComponent(true, part.writeBytes(plain, cuts[p], cuts[p + 1] - cuts[p]));
        }
        ByteBuf[] sources = {composite, Unpooled.directBuffer().writeBytes(plain), Unpooled.wrappedBuffer(plain.clone())};
        for (ByteBuf source : sources) {
            for (ByteBuf target : new ByteBuf[] {Unpooled.directBuffer(plain.length + 2), Unpooled.buffer(plain.length + 2)}) {
                MaskingFrameEncoder.maskedCopy(source, source.readerIndex(), plain.length, target, 2, key);
                assertThat(ByteBufUtil.getBytes(target, 2, plain.length))
                        .as("%s into %s", source.getClass().getSimpleName(), target.getClass().getSimpleName()).isEqualTo(expected);
                target.release();
            }
            assertThat(ByteBufUtil.getBytes(source)).as("the source is left as it was").isEqualTo(plain);
            source.release();
        }
    }

    @Test
    void anOversizedControlFrameIsRefused() {
        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        assertThatThrownBy(() -> client.writeOutbound(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[126]))))
                .isInstanceOf(EncoderException.class).hasMessageContaining("at most 125 bytes");
        client.finishAndReleaseAll();
    }

    private static WebSocketFrame roundTrip(WebSocketFrame frame) {
        EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
        EmbeddedChannel server = new EmbeddedChannel(new WebSocket08FrameDecoder(config()));
        client.writeOutbound(frame);
        ByteBuf wire = client.readOutbound();
        assertThat(wire.getUnsignedByte(1) & 0x80).as("mask bit").isEqualTo(0x80);
        server.writeInbound(wire);
        WebSocketFrame decoded = server.readInbound();
        assertThat(decoded).isNotNull();
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
        return decoded;
    }

    private static WebSocketDecoderConfig config() {
        return WebSocketDecoderConfig.newBuilder().expectMaskedFrames(true).allowMaskMismatch(false)
                .maxFramePayloadLength(1 << 20).build();
    }

    private static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}

package dev.kproxy.tunnel;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {

    @Test
    void headerIsTypeFlagsStreamIdLengthBigEndian() {
        byte[] wire = FrameCodec.encode(new Frame.WindowUpdate(0x01020304, 0x00400000));
        assertThat(HexFormat.of().formatHex(wire)).isEqualTo("05" + "00" + "01020304" + "00000004" + "00400000");
    }

    @Test
    void helloCarriesVersionRoleAndWindow() {
        byte[] wire = FrameCodec.encode(new Frame.Hello(1, Role.LAPTOP, 4 * 1024 * 1024));
        assertThat(HexFormat.of().formatHex(wire)).isEqualTo("00" + "00" + "00000000" + "00000007" + "0001" + "02" + "00400000");
    }

    @Test
    void largestDataFrameRoundTrips() throws Exception {
        byte[] payload = new byte[FrameCodec.MAX_DATA_PAYLOAD];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 31);
        }
        Frame data = new Frame.Data(7, payload);
        assertThat(decodeAll(FrameCodec.encode(data))).isEqualTo(data);
    }

    @Test
    void openRoundTripsWithIpv6ClientAndFirstBytes() throws Exception {
        OpenRequest request = new OpenRequest(50100, new InetSocketAddress(InetAddress.getByName("fd00::12"), 41000),
                "GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        Frame open = new Frame.Open(3, request);
        assertThat(decodeAll(FrameCodec.encode(open))).isEqualTo(open);
    }

    @Test
    void dataLongerThan64KiBIsRejectedFromTheHeaderAlone() {
        assertRejected(header(0x2, 0, 1, FrameCodec.MAX_DATA_PAYLOAD + 1), "DATA frame with invalid payload length 65537");
    }

    @Test
    void emptyDataIsRejected() {
        assertRejected(header(0x2, 0, 1, 0), "DATA frame with invalid payload length 0");
    }

    @Test
    void unknownTypeIsRejected() {
        assertRejected(header(0x7f, 0, 0, 0), "unknown frame type 0x7f");
    }

    @Test
    void unknownFlagsAreRejected() {
        assertRejected(header(0x3, 0x80, 1, 0), "HALF_CLOSE frame with unknown flags 0x80");
    }

    @Test
    void streamFramesNeedAStreamId() {
        assertRejected(header(0x3, 0, 0, 0), "HALF_CLOSE frame needs a stream id from 1 to 2^31-1, not 0");
        assertRejected(header(0x3, 0, -1, 0), "HALF_CLOSE frame needs a stream id from 1 to 2^31-1, not 4294967295");
    }

    @Test
    void tunnelFramesMustUseStreamZero() {
        assertRejected(header(0x6, 0, 5, 8), "PING frame must use stream id 0, not 5");
    }

    @Test
    void windowUpdateOfZeroIsRejected() {
        ByteBuffer frame = ByteBuffer.allocate(14).put(header(0x5, 0, 1, 4)).putInt(0);
        assertRejected(frame.array(), "WINDOW_UPDATE with increment 0 (must be 1 to 2^31-1)");
    }

    @Test
    void reasonMustBeUtf8() {
        ByteBuffer frame = ByteBuffer.allocate(12).put(header(0x8, 0, 0, 2)).put((byte) 0xC3).put((byte) 0x28);
        assertRejected(frame.array(), "GOAWAY reason is not valid UTF-8");
    }

    @Test
    void openWithBadAddressLengthIsRejected() {
        ByteBuffer frame = ByteBuffer.allocate(10 + 10).put(header(0x1, 0, 1, 10))
                .putShort((short) 80).put((byte) 5).put(new byte[7]);
        assertRejected(frame.array(), "OPEN with client address length 5 (must be 4 or 16)");
    }

    @Test
    void reasonsAreCutToOneLineAndTheLimit() {
        assertThat(new Frame.Reset(1, "first\nsecond").reason()).isEqualTo("first");
        assertThat(new Frame.GoAway("€".repeat(1000)).reason().getBytes(StandardCharsets.UTF_8)).hasSize(1023);
    }

    private static Frame decodeAll(byte[] wire) throws TunnelProtocolException {
        ByteBuffer buffer = ByteBuffer.wrap(wire);
        Frame frame = FrameCodec.decode(buffer);
        assertThat(buffer.hasRemaining()).isFalse();
        return frame;
    }

    private static byte[] header(int type, int flags, int streamId, int length) {
        return ByteBuffer.allocate(10).put((byte) type).put((byte) flags).putInt(streamId).putInt(length).array();
    }

    private static void assertRejected(byte[] wire, String reason) {
        assertThatThrownBy(() -> FrameCodec.decode(ByteBuffer.wrap(wire)))
                .isInstanceOf(TunnelProtocolException.class)
                .hasMessage(reason);
    }
}

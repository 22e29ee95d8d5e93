package dev.kproxy.tunnel;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FrameCodecPropertiesTest {

    @Property
    void frameSequencesRoundTripWhateverTheChunking(@ForAll("frameLists") List<Frame> frames,
                                                    @ForAll @IntRange(min = 1, max = 700) int chunkSize) throws Exception {
        byte[] wire = encodeAll(frames);
        // Feed the bytes in chunks, as a socket would, through a buffer that is compacted between reads.
        ByteBuffer buffer = ByteBuffer.allocate(wire.length + 16);
        buffer.flip();
        List<Frame> decoded = new ArrayList<>();
        for (int offset = 0; offset < wire.length; offset += chunkSize) {
            buffer.compact();
            buffer.put(wire, offset, Math.min(chunkSize, wire.length - offset));
            buffer.flip();
            Frame frame;
            while ((frame = FrameCodec.decode(buffer)) != null) {
                decoded.add(frame);
            }
        }
        assertThat(decoded).isEqualTo(frames);
        assertThat(buffer.hasRemaining()).isFalse();
    }

    @Property
    void everyProperPrefixOfAFrameNeedsMoreBytes(@ForAll("frames") Frame frame, @ForAll @IntRange(min = 0, max = 10_000) int cut)
            throws Exception {
        byte[] wire = FrameCodec.encode(frame);
        int length = cut % wire.length;
        ByteBuffer prefix = ByteBuffer.wrap(Arrays.copyOf(wire, length));
        assertThat(FrameCodec.decode(prefix)).isNull();
        assertThat(prefix.position()).isZero();
    }

    @Property
    void randomBytesGiveFramesOrNeedMoreOrAProtocolError(@ForAll @Size(max = 200) byte[] bytes) {
        assertDecodesOrFailsCleanly(bytes);
    }

    @Property
    void mutatedFramesGiveFramesOrNeedMoreOrAProtocolError(@ForAll("frameLists") List<Frame> frames,
                                                           @ForAll @IntRange(min = 0, max = 100_000) int where,
                                                           @ForAll byte value, @ForAll @IntRange(min = 0, max = 100_000) int truncate) {
        byte[] wire = encodeAll(frames);
        if (wire.length == 0) {
            return;
        }
        wire[where % wire.length] = value;
        assertDecodesOrFailsCleanly(Arrays.copyOf(wire, wire.length - truncate % wire.length));
    }

    /** Decodes until the bytes run out or are rejected; anything but a TunnelProtocolException fails. */
    private static void assertDecodesOrFailsCleanly(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        try {
            while (FrameCodec.decode(buffer) != null) {
                assertThat(buffer.position()).isLessThanOrEqualTo(bytes.length);
            }
        } catch (TunnelProtocolException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }

    private static byte[] encodeAll(List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        frames.forEach(frame -> out.writeBytes(FrameCodec.encode(frame)));
        return out.toByteArray();
    }

    @Provide
    Arbitrary<List<Frame>> frameLists() {
        return FrameArbitraries.frames().list().ofMaxSize(20);
    }

    @Provide
    Arbitrary<Frame> frames() {
        return FrameArbitraries.frames();
    }

}

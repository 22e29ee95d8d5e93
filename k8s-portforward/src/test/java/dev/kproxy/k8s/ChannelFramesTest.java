package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.Promise;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The v4.channel.k8s.io client pipeline on byte fixtures, without a network. */
class ChannelFramesTest {

    private static final int PORT = 8080; // 0x1F90: prefix bytes 0x90 0x1F

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Promise<Channel> dialed = channel.eventLoop().newPromise();

    ChannelFramesTest() {
        channel.pipeline().addLast(new ChannelFrameDecoder(), new ChannelFrameEncoder(),
                new PortPrefixHandler(PORT, dialed));
    }

    @Test
    void writesAreSplitIntoDataChannelMessagesOfAtMost64KiB() {
        byte[] payload = new byte[200_000];
        new Random(1).nextBytes(payload);
        channel.writeOutbound(Unpooled.wrappedBuffer(payload));

        List<Integer> sizes = new ArrayList<>();
        ByteArrayOutputStream carried = new ByteArrayOutputStream();
        BinaryWebSocketFrame frame;
        while ((frame = channel.readOutbound()) != null) {
            ByteBuf content = frame.content();
            sizes.add(content.readableBytes());
            assertThat(content.readByte()).isZero();
            byte[] bytes = new byte[content.readableBytes()];
            content.readBytes(bytes);
            carried.writeBytes(bytes);
            frame.release();
        }
        assertThat(sizes).containsExactly(65537, 65537, 65537, 200_000 - 3 * 65536 + 1);
        assertThat(carried.toByteArray()).isEqualTo(payload);
    }

    @Test
    void anEmptyWriteCompletesWithoutSendingAMessage() {
        var write = channel.writeOneOutbound(Unpooled.EMPTY_BUFFER);
        channel.flushOutbound();
        assertThat(write.isSuccess()).isTrue();
        ByteBuf passed = channel.readOutbound();
        assertThat(passed.readableBytes()).isZero();
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void prefixesSplitOverFramesCompleteTheDialAndFollowingBytesWaitForTheFirstRead() {
        channel.writeInbound(binary(0, 0x90));
        assertThat(dialed.isDone()).isFalse();
        channel.writeInbound(binary(0, 0x1F, 'h', 'i'), binary(1, 0x90, 0x1F));

        assertThat(dialed.isSuccess()).isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
        assertThat(channel.<Object>readInbound()).isNull();

        channel.read();
        ByteBuf held = channel.readInbound();
        assertThat(held.toString(StandardCharsets.US_ASCII)).isEqualTo("hi");
        held.release();

        channel.writeInbound(binary(0, 'y', 'o'));
        ByteBuf next = channel.readInbound();
        assertThat(next.toString(StandardCharsets.US_ASCII)).isEqualTo("yo");
        next.release();
    }

    @Test
    void aPrefixForAnotherPortFailsTheDial() {
        channel.writeInbound(binary(0, 0x91, 0x1F), binary(1, 0x91, 0x1F));
        assertThat(dialed.cause()).isInstanceOf(PortForwardException.class)
                .hasMessage("the API server announced port 8081/8081 but 8080 was requested");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void anErrorRightAfterThePrefixesFailsTheDialWithItsText() {
        channel.writeInbound(binary(0, 0x90, 0x1F), binary(1, 0x90, 0x1F),
                binary(1, "error forwarding port 8080 to pod web-0: connection refused"));
        assertThat(dialed.cause()).isInstanceOf(PortForwardException.class)
                .hasMessage("error forwarding port 8080 to pod web-0: connection refused");
    }

    @Test
    void anErrorLaterIsRecordedRaisedAndClosesTheChannel() {
        channel.writeInbound(binary(0, 0x90, 0x1F), binary(1, 0x90, 0x1F));
        channel.read();
        assertThatThrownBy(() -> channel.writeInbound(binary(1, "lost connection to pod")))
                .isInstanceOf(PortForwardException.class).hasMessage("lost connection to pod");
        assertThat(channel.attr(PortForwardDialer.FAILURE).get()).hasMessage("lost connection to pod");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void fragmentedMessagesKeepTheirChannel() {
        channel.writeInbound(binary(0, 0x90, 0x1F), binary(1, 0x90, 0x1F));
        channel.read();
        channel.writeInbound(new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[]{0, 'a'})),
                new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[]{'b', 'c'})));
        StringBuilder text = new StringBuilder();
        ByteBuf part;
        while ((part = channel.readInbound()) != null) {
            text.append(part.toString(StandardCharsets.US_ASCII));
            part.release();
        }
        assertThat(text).hasToString("abc");
    }

    @Test
    void textMessagesAreAProtocolError() {
        channel.writeInbound(new TextWebSocketFrame("0AAA"));
        assertThat(dialed.cause()).isInstanceOf(PortForwardException.class).hasMessageContaining("binary messages only");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void closingSendsAWebSocketCloseFirst() {
        channel.writeInbound(binary(0, 0x90, 0x1F), binary(1, 0x90, 0x1F));
        channel.close();
        WebSocketFrame close = channel.readOutbound();
        assertThat(close).isInstanceOf(CloseWebSocketFrame.class);
        assertThat(((CloseWebSocketFrame) close).statusCode()).isEqualTo(1000);
        close.release();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aCloseFromTheServerIsEchoedAndClosesTheChannel() {
        channel.writeInbound(binary(0, 0x90, 0x1F), binary(1, 0x90, 0x1F));
        channel.read(); // the caller's first read: nothing is held any more
        channel.writeInbound(new CloseWebSocketFrame(1000, "bye"));
        WebSocketFrame echoed = channel.readOutbound();
        assertThat(echoed).isInstanceOf(CloseWebSocketFrame.class);
        echoed.release();
        assertThat(channel.isOpen()).isFalse();
    }

    /** A pod that writes and closes at once: prefixes, its bytes and the close come in one read. */
    @Test
    void bytesThatArriveWithTheServersCloseReachTheCallerBeforeTheChannelCloses() {
        channel.writeInbound(binary(0, 0x90, 0x1F), binary(1, 0x90, 0x1F), binary(0, "pod-name\n"),
                new CloseWebSocketFrame(1000, ""));
        assertThat(dialed.isSuccess()).isTrue();
        assertThat(channel.isOpen()).as("open until the caller read what the server sent").isTrue();

        channel.read();
        ByteBuf held = channel.readInbound();
        assertThat(held.toString(StandardCharsets.UTF_8)).isEqualTo("pod-name\n");
        held.release();
        assertThat(channel.isOpen()).isFalse();
        WebSocketFrame echoed = channel.readOutbound();
        assertThat(echoed).isInstanceOf(CloseWebSocketFrame.class);
        echoed.release();
    }

    @Test
    void aCloseBeforeThePortPrefixesFailsTheDial() {
        channel.writeInbound(binary(0, 0x90, 0x1F), new CloseWebSocketFrame(1000, ""));
        assertThat(dialed.isSuccess()).isFalse();
        assertThat(dialed.cause()).hasMessageContaining("closed the port-forward connection before it announced the port");
        assertThat(channel.isOpen()).isFalse();
    }

    private static BinaryWebSocketFrame binary(int channel, int... bytes) {
        ByteBuf buf = Unpooled.buffer().writeByte(channel);
        for (int b : bytes) {
            buf.writeByte(b);
        }
        return new BinaryWebSocketFrame(buf);
    }

    private static BinaryWebSocketFrame binary(int channel, String text) {
        return new BinaryWebSocketFrame(Unpooled.buffer().writeByte(channel).writeBytes(text.getBytes(StandardCharsets.UTF_8)));
    }
}

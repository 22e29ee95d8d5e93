package dev.kproxy.sandbox.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.spdy.DefaultSpdySynStreamFrame;
import io.netty.handler.codec.spdy.SpdyDataFrame;
import io.netty.handler.codec.spdy.SpdySynReplyFrame;
import io.netty.handler.codec.spdy.SpdySynStreamFrame;

/**
 * A pair whose second stream never comes is dropped after the kubelet's streamCreationTimeout,
 * with the kubelet's note on the error stream (kubelet/pkg/cri/streaming/portforward/httpstream.go
 * {@code monitorStreamPair}). Runs the session alone on an {@link EmbeddedChannel} with a frozen
 * clock, so the 30 s timeout passes at once.
 */
class SpdyStreamCreationTimeoutTest {

    @Test
    void anErrorStreamWithoutItsDataStreamGetsTheTimeoutTextThenFin() {
        PortForwardCounters counters = new PortForwardCounters();
        SpdyPortForwardSession session = new SpdyPortForwardSession(new PodTarget("default", "pod", "uid-1", "127.0.0.1"),
                SpdyMode.PLAIN, counters, new LatencyLink(Duration.ZERO));
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(session);
        session.start();

        SpdySynStreamFrame syn = new DefaultSpdySynStreamFrame(1, 0, (byte) 0);
        syn.headers().set("streamtype", "error").set("port", "7000").set("requestid", "4");
        channel.writeInbound(syn);
        SpdySynReplyFrame reply = channel.readOutbound();
        assertThat(reply.streamId()).isEqualTo(1);
        assertThat(reply.headers().getAsString(":status")).isEqualTo("200");

        channel.advanceTimeBy(29, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat((Object) channel.readOutbound()).isNull();

        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        SpdyDataFrame text = channel.readOutbound();
        assertThat(text.streamId()).isEqualTo(1);
        assertThat(text.content().toString(StandardCharsets.UTF_8)).startsWith("(conn=").endsWith(", request=4) timed out waiting for streams");
        text.release();
        SpdyDataFrame fin = channel.readOutbound();
        assertThat(fin.streamId()).isEqualTo(1);
        assertThat(fin.isLast()).isTrue();
        assertThat(fin.content().readableBytes()).isZero();
        fin.release();
        assertThat(counters.snapshot().pod("default", "pod").streamsOpened()).isZero();
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }
}

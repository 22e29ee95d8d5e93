package dev.kproxy.k8s;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One {@code v4.channel.k8s.io} message with its leading channel byte taken off: for port i,
 * channel 2i carries data and 2i+1 errors (k8s.io/apimachinery/pkg/util/httpstream/wsstream/conn.go).
 */
final class ChannelFrame extends DefaultByteBufHolder {

    static final int DATA = 0;
    static final int ERROR = 1;

    private final int channel;

    ChannelFrame(int channel, ByteBuf payload) {
        super(payload);
        this.channel = channel;
    }

    int channel() {
        return channel;
    }

    @Override
    public ChannelFrame replace(ByteBuf content) {
        return new ChannelFrame(channel, content);
    }
}

package dev.kproxy.k8s.spdy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;

/**
 * A stream channel's config: Netty's defaults plus {@link ChannelOption#ALLOW_HALF_CLOSURE}, which
 * decides whether the peer's FIN is an input shutdown (half-close) or a close, as for a socket.
 */
final class StreamConfig extends DefaultChannelConfig {

    private volatile boolean allowHalfClosure;

    StreamConfig(Channel channel) {
        super(channel);
        setAutoRead(false);
    }

    boolean allowHalfClosure() {
        return allowHalfClosure;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            return (T) Boolean.valueOf(allowHalfClosure);
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        if (option == ChannelOption.ALLOW_HALF_CLOSURE) {
            allowHalfClosure = (Boolean) value;
            return true;
        }
        return super.setOption(option, value);
    }
}

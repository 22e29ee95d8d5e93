package dev.kproxy.k8s;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;

import java.util.concurrent.TimeUnit;

/**
 * The failure of a dial, wherever it surfaced: the kubelet may report a refused pod port before the
 * dial completes (the future fails) or just after (the channel closes with {@link PortForwardDialer#FAILURE}).
 */
final class DialFailures {

    private DialFailures() {
    }

    static PortForwardException of(Future<Channel> dial) throws InterruptedException {
        if (!dial.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("dial neither completed nor failed in 30 s");
        }
        if (!dial.isSuccess()) {
            if (dial.cause() instanceof PortForwardException failure) {
                return failure;
            }
            throw new AssertionError("dial failed with something else", dial.cause());
        }
        Channel channel = dial.getNow();
        channel.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                // recorded in FAILURE as well; read below
            }
        });
        channel.config().setAutoRead(true);
        channel.closeFuture().await(30, TimeUnit.SECONDS);
        PortForwardException failure = channel.attr(PortForwardDialer.FAILURE).get();
        if (failure == null) {
            throw new AssertionError("the port-forward connected and closed without an error");
        }
        return failure;
    }
}

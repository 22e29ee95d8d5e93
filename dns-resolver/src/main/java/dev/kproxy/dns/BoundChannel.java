package dev.kproxy.dns;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/** A listening socket the server owns: its port, and closing it. */
final class BoundChannel implements AutoCloseable {

  private final Channel channel;

  BoundChannel(Channel channel) {
    this.channel = channel;
  }

  int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
  }
}

package dev.kproxy.dns;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kproxy's embedded DNS server: cluster names from a {@link ClusterDirectory}, everything else
 * from the upstream resolvers, on one loopback port over both UDP and TCP.
 *
 * <pre>{@code
 * try (var dns = new ClusterDnsServer(DnsConfig.defaults("shop"), directory).start()) {
 *   int port = dns.port();
 * }
 * }</pre>
 */
public final class ClusterDnsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ClusterDnsServer.class);
  /** With port 0, the free UDP port may be taken for TCP; try a few ephemeral ports. */
  private static final int EPHEMERAL_ATTEMPTS = 10;
  private static final int CACHE_ENTRIES = 10_000;

  private final DnsConfig config;
  private final QueryHandler queries;
  private EventLoopGroup group;
  private BoundChannel udp;
  private BoundChannel tcp;
  private int port = -1;

  public ClusterDnsServer(DnsConfig config, ClusterDirectory directory) {
    this(config, directory, Clock.systemUTC());
  }

  ClusterDnsServer(DnsConfig config, ClusterDirectory directory, Clock clock) {
    this.config = config;
    ClusterNameParser parser = new ClusterNameParser(config.clusterDomain());
    ClusterAnswerer answerer = new ClusterAnswerer(directory, parser.domain());
    ClusterZone zone = new ClusterZone(parser, answerer, directory, config.namespace());
    UpstreamForwarder upstream = new UpstreamForwarder(config.upstreams(), config.upstreamTimeout(),
        new TtlCache(clock, CACHE_ENTRIES));
    this.queries = new QueryHandler(zone, upstream);
  }

  /**
   * Binds UDP and TCP on the configured port. Throws {@link IllegalStateException} with a
   * one-line reason when the port cannot be had.
   */
  public synchronized ClusterDnsServer start() {
    if (group != null) {
      throw new IllegalStateException("DNS server already started on port " + port);
    }
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      // A fixed port can be checked before binding, so the answer does not depend on the port being free.
      refuseSelfAsUpstream(config.port());
      bindBoth();
      refuseSelfAsUpstream(port);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    log.info("DNS for *.{} (search namespace {}) on {}:{} UDP+TCP, upstream {}",
        config.clusterDomain(), config.namespace(), config.bindAddress().getHostAddress(), port,
        config.upstreams());
    return this;
  }

  private void bindBoth() {
    int attempts = config.port() == 0 ? EPHEMERAL_ATTEMPTS : 1;
    Exception last = null;
    for (int i = 0; i < attempts; i++) {
      BoundChannel u = null;
      try {
        u = UdpListener.bind(group, new InetSocketAddress(config.bindAddress(), config.port()), queries);
        tcp = TcpListener.bind(group, new InetSocketAddress(config.bindAddress(), u.port()), queries);
        udp = u;
        port = u.port();
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        if (u != null) {
          u.close();
        }
        throw new IllegalStateException("interrupted while binding the DNS port", e);
      } catch (Exception e) { // Netty rethrows the bind failure as is (checked BindException)
        if (u != null) {
          u.close();
        }
        last = e;
      }
    }
    String reason = last instanceof BindException ? "port in use" : String.valueOf(last);
    throw new IllegalStateException("cannot serve DNS on " + config.bindAddress().getHostAddress()
        + ":" + config.port() + " (UDP and TCP): " + reason + "; choose another DNS port", last);
  }

  /** Forwarding to ourselves would bounce every unknown name around until it times out. */
  private void refuseSelfAsUpstream(int port) {
    InetSocketAddress self = new InetSocketAddress(config.bindAddress(), port);
    if (config.upstreams().contains(self)) {
      throw new IllegalStateException("DNS upstream " + self.getAddress().getHostAddress() + ":" + port
          + " is this server itself; use the laptop's resolver as upstream");
    }
  }

  /** The bound port (the ephemeral one when configured with 0). */
  public synchronized int port() {
    if (port < 0) {
      throw new IllegalStateException("DNS server not started");
    }
    return port;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(config.bindAddress(), port());
  }

  @Override
  public synchronized void close() {
    if (udp != null) {
      udp.close();
      udp = null;
    }
    if (tcp != null) {
      tcp.close();
      tcp = null;
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      group = null;
    }
    port = -1;
  }
}

package dev.kproxy.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;

/**
 * Sends names that are not the cluster's to the laptop's own resolvers and caches what they say.
 * dnsjava's resolvers do the wire work: UDP first, TCP again when the answer comes back truncated,
 * the next upstream when one times out. A failure or timeout becomes SERVFAIL for the client.
 *
 * <p>dnsjava runs its I/O on one process-wide selector thread that it owns and closes at JVM
 * exit; this class creates no threads of its own.
 */
public final class UpstreamForwarder {

  private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);

  private final Resolver resolver;
  private final TtlCache cache;

  public UpstreamForwarder(List<InetSocketAddress> upstreams, Duration timeout, TtlCache cache) {
    this.cache = cache;
    if (upstreams.isEmpty()) {
      this.resolver = null;
      return;
    }
    List<Resolver> each = upstreams.stream().<Resolver>map(address -> {
      SimpleResolver r = new SimpleResolver(address);
      r.setTimeout(timeout);
      return r;
    }).toList();
    ExtendedResolver extended = new ExtendedResolver(each);
    extended.setTimeout(timeout);
    extended.setRetries(1);
    this.resolver = extended;
  }

  /** Completes with the upstream's answer for one question, never exceptionally. */
  public CompletionStage<TtlCache.Entry> forward(Record question) {
    TtlCache.Key key = TtlCache.Key.of(question);
    var cached = cache.get(key);
    if (cached.isPresent()) {
      return CompletableFuture.completedFuture(cached.get());
    }
    if (resolver == null) {
      return CompletableFuture.completedFuture(servfail());
    }
    Message query = Message.newQuery(Record.newRecord(question.getName(), question.getType(),
        question.getDClass()));
    CompletionStage<Message> sent;
    try {
      sent = resolver.sendAsync(query);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    return sent.handle((answer, failure) -> {
      if (failure != null) {
        log.debug("upstream failed for {}: {}", question.getName(), failure.toString());
        return servfail();
      }
      TtlCache.Entry entry = TtlCache.Entry.of(answer);
      cache.put(key, entry);
      return entry;
    });
  }

  private static TtlCache.Entry servfail() {
    return new TtlCache.Entry(Rcode.SERVFAIL, List.of(), List.of(), List.of());
  }
}

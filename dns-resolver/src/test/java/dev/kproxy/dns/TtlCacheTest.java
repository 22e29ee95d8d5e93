package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

class TtlCacheTest {

  /** A clock the test moves by hand. */
  static final class HandClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  final HandClock clock = new HandClock();
  final TtlCache cache = new TtlCache(clock, 2);
  final Name name = Name.fromConstantString("api.example.test.");
  final TtlCache.Key key = TtlCache.Key.of(Record.newRecord(name, Type.A, DClass.IN));

  TtlCache.Entry answer(long ttl) throws Exception {
    return new TtlCache.Entry(Rcode.NOERROR,
        List.of(new ARecord(name, DClass.IN, ttl, InetAddress.getByName("192.0.2.1"))), List.of(), List.of());
  }

  @Test
  void servesRemainingTtlAndForgetsAtExpiry() throws Exception {
    cache.put(key, answer(30));
    clock.now = clock.now.plus(Duration.ofSeconds(12));
    assertThat(cache.get(key)).get().satisfies(e -> assertThat(e.answer().get(0).getTTL()).isEqualTo(18));
    clock.now = clock.now.plus(Duration.ofSeconds(18));
    assertThat(cache.get(key)).isEmpty();
  }

  @Test
  void keysIgnoreCase() throws Exception {
    cache.put(key, answer(30));
    TtlCache.Key upper = TtlCache.Key.of(Record.newRecord(Name.fromString("API.Example.TEST."), Type.A, DClass.IN));
    assertThat(cache.get(upper)).isPresent();
  }

  @Test
  void doesNotCacheFailuresOrZeroTtlOrNegativeAnswersWithoutSoa() throws Exception {
    cache.put(key, new TtlCache.Entry(Rcode.SERVFAIL, List.of(), List.of(), List.of()));
    assertThat(cache.get(key)).isEmpty();
    cache.put(key, answer(0));
    assertThat(cache.get(key)).isEmpty();
    cache.put(key, new TtlCache.Entry(Rcode.NXDOMAIN, List.of(), List.of(), List.of()));
    assertThat(cache.get(key)).isEmpty();
  }

  @Test
  void negativeAnswersLiveForTheSoaMinimum() throws Exception {
    cache.put(key, new TtlCache.Entry(Rcode.NXDOMAIN, List.of(), List.of(FakeUpstream.SOA), List.of()));
    clock.now = clock.now.plus(Duration.ofSeconds(29));
    assertThat(cache.get(key)).get().extracting(TtlCache.Entry::rcode).isEqualTo(Rcode.NXDOMAIN);
    clock.now = clock.now.plus(Duration.ofSeconds(1));
    assertThat(cache.get(key)).isEmpty();
  }

  @Test
  void evictsTheLeastRecentlyUsedBeyondItsBound() throws Exception {
    TtlCache.Key b = TtlCache.Key.of(Record.newRecord(Name.fromString("b.test."), Type.A, DClass.IN));
    TtlCache.Key c = TtlCache.Key.of(Record.newRecord(Name.fromString("c.test."), Type.A, DClass.IN));
    cache.put(key, answer(30));
    cache.put(b, answer(30));
    cache.get(key);
    cache.put(c, answer(30));
    assertThat(cache.get(b)).isEmpty();
    assertThat(cache.get(key)).isPresent();
    assertThat(cache.get(c)).isPresent();
  }
}

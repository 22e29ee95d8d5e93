package dev.kproxy.dns;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Upstream answers by question, kept for their TTL (negative answers for the SOA's negative TTL,
 * RFC 2308 section 5). Served copies carry the remaining TTL, so a client never caches past the
 * original expiry. Bounded: the least recently used entry goes first.
 */
public final class TtlCache {

  /** Longest we keep anything, whatever the upstream says (a laptop moves between networks). */
  static final Duration MAX_TTL = Duration.ofHours(1);

  public record Key(String name, int type, int dclass) {
    public static Key of(Record question) {
      return new Key(question.getName().toString().toLowerCase(Locale.ROOT),
          question.getType(), question.getDClass());
    }
  }

  /** An answer's rcode and its three record sections, minus OPT. */
  public record Entry(int rcode, List<Record> answer, List<Record> authority, List<Record> additional) {
    public Entry {
      answer = List.copyOf(answer);
      authority = List.copyOf(authority);
      additional = List.copyOf(additional);
    }

    public static Entry of(Message upstream) {
      return new Entry(upstream.getRcode(),
          upstream.getSection(Section.ANSWER),
          upstream.getSection(Section.AUTHORITY),
          upstream.getSection(Section.ADDITIONAL).stream()
              .filter(r -> !(r instanceof OPTRecord) && r.getType() != Type.TSIG)
              .toList());
    }
  }

  private record Stored(Entry entry, Instant storedAt, Instant expiresAt) {}

  private final Clock clock;
  private final int maxEntries;
  private final Map<Key, Stored> entries;

  public TtlCache(Clock clock, int maxEntries) {
    this.clock = clock;
    this.maxEntries = maxEntries;
    this.entries = new LinkedHashMap<>(64, 0.75f, true);
  }

  /** Stores a NOERROR or NXDOMAIN answer; anything else (SERVFAIL, REFUSED) is not cached. */
  public synchronized void put(Key key, Entry entry) {
    long ttl = ttlOf(entry);
    if (ttl <= 0) {
      return;
    }
    Instant now = clock.instant();
    entries.put(key, new Stored(entry, now, now.plusSeconds(ttl)));
    if (entries.size() > maxEntries) {
      var eldest = entries.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  public synchronized Optional<Entry> get(Key key) {
    Stored stored = entries.get(key);
    if (stored == null) {
      return Optional.empty();
    }
    Instant now = clock.instant();
    if (!now.isBefore(stored.expiresAt())) {
      entries.remove(key);
      return Optional.empty();
    }
    long elapsed = Duration.between(stored.storedAt(), now).toSeconds();
    Entry e = stored.entry();
    return Optional.of(new Entry(e.rcode(), aged(e.answer(), elapsed), aged(e.authority(), elapsed),
        aged(e.additional(), elapsed)));
  }

  public synchronized int size() {
    return entries.size();
  }

  private static long ttlOf(Entry entry) {
    if (entry.rcode() != Rcode.NOERROR && entry.rcode() != Rcode.NXDOMAIN) {
      return 0;
    }
    long ttl = MAX_TTL.toSeconds();
    if (entry.answer().isEmpty()) {
      // Negative answer: cacheable only with an SOA, for min(SOA TTL, SOA minimum).
      Optional<SOARecord> soa = entry.authority().stream()
          .filter(SOARecord.class::isInstance).map(SOARecord.class::cast).findFirst();
      if (soa.isEmpty()) {
        return 0;
      }
      return Math.min(ttl, Math.min(soa.get().getTTL(), soa.get().getMinimum()));
    }
    for (Record r : entry.answer()) {
      ttl = Math.min(ttl, r.getTTL());
    }
    for (Record r : entry.authority()) {
      ttl = Math.min(ttl, r.getTTL());
    }
    return ttl;
  }

  private static List<Record> aged(List<Record> records, long elapsed) {
    List<Record> out = new ArrayList<>(records.size());
    for (Record r : records) {
      long ttl = Math.max(0, r.getTTL() - elapsed);
      // Record's TTL setter is package-private in dnsjava 3; rebuild from the canonical rdata.
      out.add(Record.newRecord(r.getName(), r.getType(), r.getDClass(), ttl, r.rdataToWireCanonical()));
    }
    return out;
  }
}

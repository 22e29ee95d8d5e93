package dev.kproxy.dns;

import dev.kproxy.dns.ClusterAnswer.Found;
import dev.kproxy.dns.ClusterAnswer.NoSuchName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * One query in, at most one response out, whatever the socket: parse, check, ask the
 * {@link ClusterZone} and, for everything else, the {@link UpstreamForwarder}. Never throws; a
 * {@code null} result means "send nothing".
 */
public final class QueryHandler {

  public enum Transport { UDP, TCP }

  /** ExternalName targets may themselves be CNAMEs; stop following after this many. */
  private static final int MAX_CNAME_CHAIN = 8;
  private static final int QR = 0x8000;
  private static final int OPCODE_BITS = 0x7800;
  private static final int RD = 0x0100;

  private static final Logger log = LoggerFactory.getLogger(QueryHandler.class);

  private final ClusterZone zone;
  private final UpstreamForwarder upstream;

  public QueryHandler(ClusterZone zone, UpstreamForwarder upstream) {
    this.zone = zone;
    this.upstream = upstream;
  }

  public CompletionStage<byte[]> handle(byte[] wire, Transport transport) {
    try {
      return parseAndAnswer(wire, transport).exceptionally(e -> serverFailure(wire, e));
    } catch (RuntimeException e) {
      return done(serverFailure(wire, e));
    }
  }

  private CompletionStage<byte[]> parseAndAnswer(byte[] wire, Transport transport) {
    if (wire.length < Header.LENGTH) {
      return done(null); // not even an ID to answer to
    }
    int flags = ((wire[2] & 0xff) << 8) | (wire[3] & 0xff);
    if ((flags & QR) != 0) {
      return done(null); // a response; answering it could start a loop between two servers
    }
    if (((flags & OPCODE_BITS) >> 11) != Opcode.QUERY) {
      return done(headerOnly(wire, Rcode.NOTIMP)); // NOTIFY, UPDATE, STATUS...: RFC 1035 4.1.1
    }
    Message query;
    try {
      query = new Message(wire);
    } catch (IOException | RuntimeException e) {
      return done(headerOnly(wire, Rcode.FORMERR));
    }
    // dnsjava accepts a message cut short when its TC bit is set, so the question may be missing.
    if (query.getHeader().getCount(Section.QUESTION) != 1 || query.getQuestion() == null) {
      return done(headerOnly(wire, Rcode.FORMERR));
    }
    return answer(query)
        .exceptionally(e -> failed(query, e))
        .thenApply(response -> encode(response, query, transport));
  }

  /** A bug of ours, not the client's: say SERVFAIL and keep serving. */
  private static byte[] serverFailure(byte[] wire, Throwable e) {
    log.warn("DNS query failed inside the server: {}", e.toString());
    return wire.length >= Header.LENGTH ? headerOnly(wire, Rcode.SERVFAIL) : null;
  }

  private CompletionStage<Message> answer(Message query) {
    Record question = query.getQuestion();
    int dclass = question.getDClass();
    int type = question.getType();
    if (dclass != DClass.IN && dclass != DClass.ANY) {
      return done(reply(query, Rcode.REFUSED, false)); // only the Internet class lives here
    }
    OPTRecord opt = query.getOPT();
    if (opt != null && opt.getVersion() > 0) {
      // RFC 6891 section 6.1.3: we speak EDNS version 0 only; BADVERS (16) is an extended rcode.
      Message r = reply(query, Rcode.NOERROR, false);
      r.removeAllRecords(Section.ADDITIONAL);
      r.addRecord(new OPTRecord(ResponseTruncation.OUR_UDP_PAYLOAD, Rcode.BADVERS >> 4, 0), Section.ADDITIONAL);
      return done(r);
    }
    if (type == Type.AXFR || type == Type.IXFR) {
      return done(reply(query, Rcode.REFUSED, false)); // no zone transfers
    }
    if (type == Type.OPT || type == Type.TSIG || type == Type.MAILA || type == Type.MAILB) {
      return done(reply(query, Rcode.NOTIMP, false)); // meta types that are not questions here
    }
    ClusterAnswer cluster = zone.lookup(question.getName(), type);
    if (cluster instanceof NoSuchName) {
      Message r = reply(query, Rcode.NXDOMAIN, true);
      r.addRecord(zone.answerer().soa(), Section.AUTHORITY);
      return done(r);
    }
    if (cluster instanceof Found found) {
      Message r = reply(query, Rcode.NOERROR, true);
      found.answers().forEach(rec -> r.addRecord(rec, Section.ANSWER));
      found.additional().forEach(rec -> r.addRecord(rec, Section.ADDITIONAL));
      if (found.answers().isEmpty()) {
        r.addRecord(zone.answerer().soa(), Section.AUTHORITY); // NODATA: RFC 2308 section 2.2
      }
      return followCname(found.answers(), type, MAX_CNAME_CHAIN).thenApply(more -> {
        more.forEach(rec -> r.addRecord(rec, Section.ANSWER));
        return r;
      });
    }
    return upstream.forward(question).thenApply(entry -> {
      int rcode = entry.rcode() <= 0xF ? entry.rcode() : Rcode.SERVFAIL;
      Message r = reply(query, rcode, false);
      entry.answer().forEach(rec -> r.addRecord(rec, Section.ANSWER));
      entry.authority().forEach(rec -> r.addRecord(rec, Section.AUTHORITY));
      entry.additional().forEach(rec -> r.addRecord(rec, Section.ADDITIONAL));
      return r;
    });
  }

  /**
   * An ExternalName answer is a CNAME; stub resolvers (glibc, the JDK) do not chase a CNAME
   * themselves, so append the target's records as a recursive server would.
   */
  private CompletionStage<List<Record>> followCname(List<Record> answers, int type, int hops) {
    if (hops == 0 || type == Type.CNAME || answers.isEmpty()
        || !(answers.get(answers.size() - 1) instanceof CNAMERecord cname)) {
      return done(List.of());
    }
    Name target = cname.getTarget();
    ClusterAnswer cluster = zone.lookup(target, type);
    if (cluster instanceof Found found) {
      return followCname(found.answers(), type, hops - 1).thenApply(more -> concat(found.answers(), more));
    }
    if (cluster instanceof NoSuchName) {
      return done(List.of());
    }
    return upstream.forward(Record.newRecord(target, type, DClass.IN))
        .thenApply(entry -> entry.rcode() == Rcode.NOERROR ? entry.answer() : List.of());
  }

  private static List<Record> concat(List<Record> a, List<Record> b) {
    List<Record> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static Message failed(Message query, Throwable e) {
    log.warn("answering {} failed: {}", query.getQuestion(), e.toString());
    return reply(query, Rcode.SERVFAIL, false);
  }

  private static Message reply(Message query, int rcode, boolean authoritative) {
    Message r = new Message(query.getHeader().getID());
    Header h = r.getHeader();
    h.setFlag(Flags.QR);
    h.setOpcode(Opcode.QUERY);
    if (query.getHeader().getFlag(Flags.RD)) {
      h.setFlag(Flags.RD);
    }
    h.setFlag(Flags.RA);
    if (authoritative) {
      h.setFlag(Flags.AA);
    }
    h.setRcode(rcode);
    r.addRecord(query.getQuestion(), Section.QUESTION);
    if (query.getOPT() != null) {
      r.addRecord(new OPTRecord(ResponseTruncation.OUR_UDP_PAYLOAD, 0, 0), Section.ADDITIONAL);
    }
    return r;
  }

  private static byte[] encode(Message response, Message query, Transport transport) {
    return transport == Transport.UDP
        ? ResponseTruncation.forUdp(response, query)
        : ResponseTruncation.forTcp(response);
  }

  /** A reply that echoes only the header (ID, opcode, RD): for queries we could not parse. */
  static byte[] headerOnly(byte[] query, int rcode) {
    byte[] reply = new byte[Header.LENGTH];
    reply[0] = query[0];
    reply[1] = query[1];
    int flags = (((query[2] & 0xff) << 8) | (query[3] & 0xff));
    int replyFlags = QR | (flags & OPCODE_BITS) | (flags & RD) | (rcode & 0xF);
    reply[2] = (byte) (replyFlags >> 8);
    reply[3] = (byte) replyFlags;
    return reply;
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}

package dev.kproxy.dns;

import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;

/**
 * Encodes a response for its transport. Over UDP an answer may not exceed 512 bytes (RFC 1035
 * section 4.2.1) or the payload size the client advertised in its OPT record (RFC 6891 section
 * 6.2.5); dnsjava's {@link Message#toWire(int)} drops whole RRsets that do not fit and sets TC
 * (RFC 2181 section 9), and the client asks again over TCP, which carries up to 65535 bytes.
 */
public final class ResponseTruncation {

  /** What we advertise and the most we send over UDP: the DNS flag day 2020 value. */
  public static final int OUR_UDP_PAYLOAD = 1232;
  private static final int CLASSIC_UDP_LIMIT = 512;
  private static final int TCP_LIMIT = 65535;

  private ResponseTruncation() {}

  public static int udpLimit(Message query) {
    OPTRecord opt = query.getOPT();
    if (opt == null) {
      return CLASSIC_UDP_LIMIT;
    }
    return Math.min(OUR_UDP_PAYLOAD, Math.max(CLASSIC_UDP_LIMIT, opt.getPayloadSize()));
  }

  public static byte[] forUdp(Message response, Message query) {
    return response.toWire(udpLimit(query));
  }

  public static byte[] forTcp(Message response) {
    return response.toWire(TCP_LIMIT);
  }
}

package dev.kproxy.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * The text forms of an address that cluster objects and DNS labels use. Kubernetes writes
 * addresses with Go's {@code net.IP.String()}, i.e. RFC 5952 for IPv6, while the JDK's
 * {@code getHostAddress()} does not compress zero groups; the directory is always asked with the
 * Kubernetes form.
 */
final class IpText {

  private IpText() {}

  /** {@code 10.0.0.1}, or {@code fd00::1} (RFC 5952 section 4: longest zero run becomes "::"). */
  static String of(InetAddress ip) {
    String text = ip.getHostAddress();
    if (!(ip instanceof Inet6Address)) {
      return text;
    }
    String[] groups = text.split("%")[0].split(":");
    int bestStart = -1;
    int bestLen = 1; // a single zero group is not compressed (RFC 5952 section 4.2.2)
    for (int i = 0; i < groups.length; ) {
      int j = i;
      while (j < groups.length && groups[j].equals("0")) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = Math.max(j, i + 1);
    }
    if (bestStart < 0) {
      return String.join(":", groups);
    }
    return String.join(":", Arrays.copyOfRange(groups, 0, bestStart))
        + "::"
        + String.join(":", Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
  }

  /** The pod-record label: {@code 10-0-0-1}, or {@code fd00--1} (CoreDNS kubernetes plugin). */
  static String dashed(InetAddress ip) {
    return of(ip).replace('.', '-').replace(':', '-');
  }
}

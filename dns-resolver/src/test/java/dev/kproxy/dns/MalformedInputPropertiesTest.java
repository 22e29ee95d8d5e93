package dev.kproxy.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * Garbage in over UDP and TCP: the server answers with the protocol's own error (FORMERR,
 * NOTIMP) or stays silent, never with anything that is not a DNS response to that ID, and keeps
 * answering a well-formed query asked right after it on the same socket and, in parallel, from
 * another thread for the whole run.
 */
class MalformedInputPropertiesTest {

  static final String PROBE_NAME = "cart.shop.svc.cluster.local";
  static final Set<Integer> ANY_REPLY = Set.of(Rcode.NOERROR, Rcode.FORMERR, Rcode.SERVFAIL,
      Rcode.NXDOMAIN, Rcode.NOTIMP, Rcode.REFUSED);

  static FakeUpstream upstream;
  static ClusterDnsServer server;
  static Thread parallelClient;
  static final AtomicBoolean running = new AtomicBoolean(true);
  static final AtomicInteger parallelAnswers = new AtomicInteger();
  static final AtomicReference<String> parallelFailure = new AtomicReference<>();

  @BeforeContainer
  static void start() throws Exception {
    upstream = new FakeUpstream();
    server = new ClusterDnsServer(DnsConfig.defaults(TestCluster.NAMESPACE).withPort(0)
        .withUpstreams(List.of(upstream.address())).withUpstreamTimeout(Duration.ofSeconds(1)),
        TestCluster.directory()).start();
    parallelClient = new Thread(MalformedInputPropertiesTest::askWellFormedQueriesUntilStopped, "parallel-client");
    parallelClient.start();
  }

  private static void askWellFormedQueriesUntilStopped() {
    DnsQueries dns = new DnsQueries(server.port());
    int i = 0;
    while (running.get()) {
      try {
        boolean tcp = i++ % 2 == 0;
        Message m = tcp ? dns.askTcp("db.shop.svc.cluster.local", Type.A) : dns.ask("db.shop.svc.cluster.local", Type.A);
        if (m.getSection(Section.ANSWER).size() != 2) {
          parallelFailure.compareAndSet(null, "wrong answer: " + m);
        }
        parallelAnswers.incrementAndGet();
      } catch (IOException e) {
        parallelFailure.compareAndSet(null, "parallel query failed: " + e);
      }
    }
  }

  @AfterContainer
  static void stop() throws Exception {
    running.set(false);
    parallelClient.join();
    try {
      assertThat(parallelFailure.get()).as("parallel well-formed queries").isNull();
      assertThat(parallelAnswers.get()).isPositive();
      // and it still answers once everything is over
      assertThat(new DnsQueries(server.port()).ask(PROBE_NAME, Type.A).getSection(Section.ANSWER)).hasSize(1);
    } finally {
      server.close();
      upstream.close();
    }
  }

  // ---- UDP ----

  @Property(tries = 300)
  void randomDatagrams(@ForAll @Size(max = 700) byte[] garbage) throws Exception {
    checkUdp(garbage);
  }

  @Property(tries = 300)
  void truncatedQueriesGetFormerrOrNothing(@ForAll("queries") byte[] query, @ForAll @IntRange(min = 0, max = 10_000) int at)
      throws Exception {
    byte[] cut = Arrays.copyOf(query, at % query.length);
    List<byte[]> replies = udpThenProbe(cut);
    if (cut.length < 12) {
      assertThat(replies).isEmpty();
    } else {
      assertThat(replies).singleElement().satisfies(r -> assertThat(rcode(r)).isEqualTo(Rcode.FORMERR));
    }
  }

  @Property(tries = 300)
  void mutatedQueries(@ForAll("mutatedQueries") byte[] mutated) throws Exception {
    checkUdp(mutated);
  }

  // ---- TCP ----

  @Property(tries = 150)
  void randomTcpFrames(@ForAll @Size(max = 700) byte[] garbage) throws Exception {
    checkReplies(garbage, tcpThenProbe(garbage));
  }

  @Property(tries = 150)
  void mutatedTcpFrames(@ForAll("mutatedQueries") byte[] mutated) throws Exception {
    checkReplies(mutated, tcpThenProbe(mutated));
  }

  @Property(tries = 100)
  void unframedTcpBytesThenHangUp(@ForAll @Size(min = 1, max = 300) byte[] garbage) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.getOutputStream().write(garbage);
      s.shutdownOutput();
      s.setSoTimeout(5000);
      s.getInputStream().readAllBytes(); // whatever it says, the server must close its side
    }
    assertThat(new DnsQueries(server.port()).askTcp(PROBE_NAME, Type.A).getSection(Section.ANSWER)).hasSize(1);
  }

  // ---- generators ----

  @Provide
  Arbitrary<byte[]> queries() {
    Arbitrary<String> names = Arbitraries.of(PROBE_NAME, "cart", "db.shop.svc.cluster.local",
        "_http._tcp.cart.shop.svc.cluster.local", "nope.shop.svc.cluster.local", "api.example.test",
        "10.0.96.10.in-addr.arpa");
    Arbitrary<Integer> types = Arbitraries.of(Type.A, Type.AAAA, Type.SRV, Type.PTR, Type.ANY, Type.TXT);
    return Combinators.combine(names, types, Arbitraries.integers().between(0, 0xffff), Arbitraries.of(true, false))
        .as((name, type, id, edns) -> {
          try {
            Message m = DnsQueries.query(name, type);
            m.getHeader().setID(id);
            if (edns) {
              m.addRecord(new OPTRecord(1232, 0, 0), Section.ADDITIONAL);
            }
            return m.toWire();
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
  }

  @Provide
  Arbitrary<byte[]> mutatedQueries() {
    Arbitrary<List<int[]>> flips = Arbitraries.integers().between(0, 10_000)
        .flatMap(pos -> Arbitraries.integers().between(0, 255).map(v -> new int[] {pos, v}))
        .list().ofMinSize(1).ofMaxSize(6);
    return Combinators.combine(queries(), flips).as((query, edits) -> {
      byte[] b = query.clone();
      for (int[] edit : edits) {
        b[edit[0] % b.length] = (byte) edit[1];
      }
      return b;
    });
  }

  // ---- checks ----

  private void checkUdp(byte[] garbage) throws Exception {
    checkReplies(garbage, udpThenProbe(garbage));
  }

  /** What the server may say to any input: nothing, or a DNS response to that ID. */
  private static void checkReplies(byte[] input, List<byte[]> replies) throws IOException {
    assertThat(replies.size()).isLessThanOrEqualTo(1);
    boolean dropExpected = input.length < 12 || (input[2] & 0x80) != 0;
    if (dropExpected) {
      assertThat(replies).as("reply to a non-query").isEmpty();
      return;
    }
    boolean parses = parses(input);
    int opcode = (input[2] >> 3) & 0xF;
    if (opcode != 0 || !parses) {
      // answered synchronously, so it must have arrived before the probe's answer
      assertThat(replies).hasSize(1);
      assertThat(rcode(replies.get(0))).isEqualTo(opcode != 0 ? Rcode.NOTIMP : Rcode.FORMERR);
    }
    for (byte[] reply : replies) {
      Message m = new Message(reply); // must be a well-formed message
      assertThat(m.getHeader().getID()).isEqualTo(((input[0] & 0xff) << 8) | (input[1] & 0xff));
      assertThat(reply[2] & 0x80).as("QR").isNotZero();
      assertThat(ANY_REPLY).contains(m.getHeader().getRcode());
    }
  }

  private static boolean parses(byte[] wire) {
    try {
      new Message(wire);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static int rcode(byte[] reply) {
    return reply[3] & 0xF;
  }

  private static int probeId(byte[] input) {
    int id = input.length >= 2 ? ((input[0] & 0xff) << 8) | (input[1] & 0xff) : 0;
    return id ^ 0x5a5a;
  }

  private static byte[] probe(int id) throws IOException {
    Message m = DnsQueries.query(PROBE_NAME, Type.A);
    m.getHeader().setID(id);
    return m.toWire();
  }

  /**
   * Sends the input and then a probe query from one socket; returns the replies other than the
   * probe's that came before it. Fails if the probe is not answered correctly.
   */
  private static List<byte[]> udpThenProbe(byte[] input) throws IOException {
    int probeId = probeId(input);
    List<byte[]> others = new ArrayList<>();
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(5000);
      InetAddress lo = InetAddress.getLoopbackAddress();
      s.send(new DatagramPacket(input, input.length, lo, server.port()));
      byte[] p = probe(probeId);
      s.send(new DatagramPacket(p, p.length, lo, server.port()));
      byte[] buf = new byte[65535];
      while (true) {
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        s.receive(packet);
        byte[] reply = Arrays.copyOf(packet.getData(), packet.getLength());
        if (isProbeAnswer(reply, probeId)) {
          return others;
        }
        others.add(reply);
      }
    }
  }

  private static List<byte[]> tcpThenProbe(byte[] input) throws IOException {
    int probeId = probeId(input);
    List<byte[]> others = new ArrayList<>();
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      out.writeShort(input.length);
      out.write(input);
      byte[] p = probe(probeId);
      out.writeShort(p.length);
      out.write(p);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      while (true) {
        byte[] reply = new byte[in.readUnsignedShort()];
        in.readFully(reply);
        if (isProbeAnswer(reply, probeId)) {
          return others;
        }
        others.add(reply);
      }
    }
  }

  private static boolean isProbeAnswer(byte[] reply, int probeId) throws IOException {
    if (reply.length < 12 || (((reply[0] & 0xff) << 8) | (reply[1] & 0xff)) != probeId) {
      return false;
    }
    Message m = new Message(reply);
    if (m.getQuestion() == null || !m.getQuestion().getName().toString().equals(PROBE_NAME + ".")) {
      return false;
    }
    assertThat(m.getSection(Section.ANSWER)).map(r -> r.rdataToString()).containsExactly("10.96.0.10");
    return true;
  }
}

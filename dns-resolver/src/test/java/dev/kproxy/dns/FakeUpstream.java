package dev.kproxy.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;

/**
 * A tiny authoritative DNS server standing in for the laptop's resolver (this machine has no
 * outside network): answers the records it was given, NXDOMAIN with an SOA otherwise, over UDP
 * and TCP on one loopback port, and counts the questions it gets.
 */
final class FakeUpstream implements AutoCloseable {

  static final Name ZONE = Name.fromConstantString("example.test.");
  static final SOARecord SOA = new SOARecord(ZONE, DClass.IN, 60, Name.fromConstantString("ns.example.test."),
      Name.fromConstantString("admin.example.test."), 1, 3600, 600, 86400, 30);

  private final DatagramSocket udp;
  private final ServerSocket tcp;
  private final Map<Name, List<Record>> records = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> asked = new ConcurrentHashMap<>();
  private final Thread udpThread;
  private final Thread tcpThread;

  FakeUpstream() throws IOException {
    DatagramSocket u = null;
    ServerSocket t = null;
    for (int i = 0; i < 10 && t == null; i++) {
      u = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      try {
        t = new ServerSocket(u.getLocalPort(), 50, InetAddress.getLoopbackAddress());
      } catch (IOException e) {
        u.close();
      }
    }
    if (t == null) {
      throw new IOException("no free port for the fake upstream");
    }
    udp = u;
    tcp = t;
    udpThread = new Thread(this::serveUdp, "fake-upstream-udp");
    tcpThread = new Thread(this::serveTcp, "fake-upstream-tcp");
    udpThread.setDaemon(true);
    tcpThread.setDaemon(true);
    udpThread.start();
    tcpThread.start();
  }

  FakeUpstream add(Record record) {
    records.computeIfAbsent(record.getName(), n -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(record);
    return this;
  }

  InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), udp.getLocalPort());
  }

  int timesAsked(String name) {
    AtomicInteger n = asked.get(name.toLowerCase());
    return n == null ? 0 : n.get();
  }

  private byte[] answer(byte[] wire, int limit) throws IOException {
    Message query = new Message(wire);
    Record q = query.getQuestion();
    asked.computeIfAbsent(q.getName().toString().toLowerCase(), k -> new AtomicInteger()).incrementAndGet();
    Message r = new Message(query.getHeader().getID());
    r.getHeader().setFlag(Flags.QR);
    r.getHeader().setFlag(Flags.AA);
    r.addRecord(q, Section.QUESTION);
    List<Record> rrs = records.getOrDefault(q.getName(), List.of());
    if (rrs.isEmpty()) {
      r.getHeader().setRcode(Rcode.NXDOMAIN);
      r.addRecord(SOA, Section.AUTHORITY);
    }
    rrs.stream().filter(rr -> rr.getType() == q.getType()).forEach(rr -> r.addRecord(rr, Section.ANSWER));
    return r.toWire(limit);
  }

  private void serveUdp() {
    byte[] buf = new byte[65535];
    while (!udp.isClosed()) {
      try {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udp.receive(p);
        byte[] wire = java.util.Arrays.copyOf(p.getData(), p.getLength());
        byte[] out = answer(wire, 512);
        udp.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
      } catch (SocketException closed) {
        return;
      } catch (IOException e) {
        // a query it cannot parse: ignore, like a real server that drops garbage
      }
    }
  }

  private void serveTcp() {
    while (!tcp.isClosed()) {
      try (Socket s = tcp.accept()) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        byte[] wire = new byte[in.readUnsignedShort()];
        in.readFully(wire);
        byte[] reply = answer(wire, 65535);
        out.writeShort(reply.length);
        out.write(reply);
        out.flush();
      } catch (SocketException closed) {
        if (tcp.isClosed()) {
          return;
        }
      } catch (IOException e) {
        // one bad connection
      }
    }
  }

  @Override
  public void close() {
    udp.close();
    try {
      tcp.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    try {
      udpThread.join();
      tcpThread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

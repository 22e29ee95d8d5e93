package dev.kproxy.tunnel;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Random valid frames of every type, for the codec properties. */
final class FrameArbitraries {
    private FrameArbitraries() {
    }

    static Arbitrary<Frame> frames() {
        return Arbitraries.oneOf(hellos(), opens(), data(), halfCloses(), resets(), windowUpdates(), pings(), pongs(), goAways());
    }

    private static Arbitrary<Integer> streamIds() {
        return Arbitraries.oneOf(Arbitraries.integers().between(1, 1000), Arbitraries.integers().between(1, Integer.MAX_VALUE));
    }

    private static Arbitrary<String> reasons() {
        return Arbitraries.strings().alpha().numeric().withChars(" :.-é€\u4e2d\n").ofMaxLength(80);
    }

    private static Arbitrary<byte[]> bytes(int min, int max) {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(min).ofMaxSize(max);
    }

    static Arbitrary<Frame> hellos() {
        return Combinators.combine(Arbitraries.integers().between(0, 0xFFFF), Arbitraries.of(Role.class),
                Arbitraries.integers().between(1, Integer.MAX_VALUE)).as(Frame.Hello::new);
    }

    static Arbitrary<Frame> opens() {
        Arbitrary<InetSocketAddress> clients = Combinators.combine(
                Arbitraries.oneOf(bytes(4, 4), bytes(16, 16)), Arbitraries.integers().between(0, 65535))
                .as(FrameArbitraries::socketAddress);
        Arbitrary<OpenRequest> requests = Combinators.combine(Arbitraries.integers().between(1, 65535), clients, bytes(0, 300))
                .as(OpenRequest::new);
        return Combinators.combine(streamIds(), requests).as(Frame.Open::new);
    }

    static Arbitrary<Frame> data() {
        return Combinators.combine(streamIds(), bytes(1, 600)).as(Frame.Data::new);
    }

    static Arbitrary<Frame> halfCloses() {
        return streamIds().map(Frame.HalfClose::new);
    }

    static Arbitrary<Frame> resets() {
        return Combinators.combine(streamIds(), reasons()).as(Frame.Reset::new);
    }

    static Arbitrary<Frame> windowUpdates() {
        return Combinators.combine(streamIds(), Arbitraries.integers().between(1, Integer.MAX_VALUE)).as(Frame.WindowUpdate::new);
    }

    static Arbitrary<Frame> pings() {
        return Arbitraries.longs().map(Frame.Ping::new);
    }

    static Arbitrary<Frame> pongs() {
        return Arbitraries.longs().map(Frame.Pong::new);
    }

    static Arbitrary<Frame> goAways() {
        return reasons().map(Frame.GoAway::new);
    }

    private static InetSocketAddress socketAddress(byte[] address, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}

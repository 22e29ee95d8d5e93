package dev.kproxy.jvmagent.hooks;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class AddressRangesTest {
    @Test
    void prefixesMatchByBits() throws Exception {
        AddressRanges r = AddressRanges.parse("10.96.0.0/12,127.244.0.0/16,fd00:10:244::/64,garbage,1.2.3.4/x");
        assertThat(r.contains(InetAddress.getByName("10.96.0.1"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("10.111.255.255"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("10.112.0.0"))).isFalse();
        assertThat(r.contains(InetAddress.getByName("127.244.3.4"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertThat(r.contains(InetAddress.getByName("fd00:10:244::5"))).isTrue();
        assertThat(r.contains(InetAddress.getByName("fd00:10:245::5"))).isFalse();
        assertThat(AddressRanges.NONE.contains(InetAddress.getByName("10.96.0.1"))).isFalse();
    }
}

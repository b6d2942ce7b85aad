package io.nuri.apm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Transactions go into columns and come back equal, newest first, the oldest replaced when full. */
class RecentRingTest {
    static Transaction tx(int n, String trace, String span, String parent, String caller) {
        return new Transaction(1_000L + n, "GET", "/p/" + (n % 3), n % 7 == 0 ? 503 : 200, 1_000L * n, "web-" + (n % 2),
                1 + n % 2, "10.0.0." + (n % 5), n % 4 == 0 ? "session-" + n : "10.0.0." + (n % 5), trace, span, parent, caller);
    }

    static Transaction traced(int n) {
        return tx(n, String.format("%032x", 0xabcdefL + n), String.format("%016x", 0x1234_0001_0000_0000L + n),
                n % 2 == 0 ? null : String.format("%016x", 0xfeedL + n), n % 3 == 0 ? String.format("%016x", 0xbeefL + n) : null);
    }

    @Test
    void whatGoesInComesBackEqualNewestFirstAcrossGrowthAndWrap() {
        RecentRing ring = new RecentRing(1_000);
        for (int n = 0; n < 2_500; n++) {
            ring.add(n, traced(n));
            if (n == 100 || n == 600) { // while growing: everything so far, in order
                assertThat(ring.size()).isEqualTo(n + 1);
                assertThat(ring.get(0)).isEqualTo(traced(n));
                assertThat(ring.get(n)).isEqualTo(traced(0));
            }
        }
        assertThat(ring.size()).isEqualTo(1_000);
        for (int k = 0; k < 1_000; k++) {
            assertThat(ring.get(k)).isEqualTo(traced(2_499 - k));
            assertThat(ring.seq(k)).isEqualTo(2_499 - k);
            assertThat(ring.timeMillis(k)).isEqualTo(1_000L + 2_499 - k);
        }
    }

    @Test
    void idsThatAreNotCanonicalHexAreKeptAsGiven() {
        RecentRing ring = new RecentRing(10);
        Transaction odd = tx(1, "trace1", "ABCDEF0123456789", null, "0000000000000000");
        Transaction untraced = tx(2, null, null, null, null);
        Transaction lowTrace = tx(3, "0000000000000000000000000000beef", "0000000000000001", null, null);
        ring.add(0, odd);
        ring.add(1, untraced);
        ring.add(2, lowTrace);
        assertThat(ring.get(2)).isEqualTo(odd);
        assertThat(ring.get(1)).isEqualTo(untraced);
        assertThat(ring.get(0)).isEqualTo(lowTrace);
        assertThat(RecentRing.canonical("0000000000000000", 16)).isFalse(); // all zero is invalid in W3C
        assertThat(RecentRing.canonical("00f067aa0ba902b7", 16)).isTrue();
        assertThat(RecentRing.canonical("00F067AA0BA902B7", 16)).isFalse();
        assertThat(RecentRing.canonical("00f067aa0ba902bg", 16)).isFalse();
        assertThat(RecentRing.canonical("00f067aa0ba902b\u00b7", 16)).as("a char past ASCII whose low 7 bits are '7'").isFalse();
        assertThat(RecentRing.canonical("00f067aa0ba902b/", 16)).as("'/' sits just below '0'").isFalse();
        assertThat(RecentRing.canonical("00f067aa0ba902b:", 16)).as("':' just above '9'").isFalse();
        assertThat(RecentRing.canonical("4bf92f3577b34da6a3ce929d0e0e4736", 32)).isTrue();
        assertThat(RecentRing.canonical("4bf92f3577b34da6a3ce929d0e0e473", 32)).isFalse();
    }

    @Test
    void pathsAndClientsAreSharedNotCopied() {
        RecentRing ring = new RecentRing(100);
        ring.add(0, tx(3, null, null, null, null));
        ring.add(1, tx(6, null, null, null, null)); // same path "/p/0", a different client
        ring.add(2, tx(3, null, null, null, null));
        assertThat(ring.get(0).path()).isSameAs(ring.get(2).path()).isSameAs(ring.get(1).path());
        assertThat(ring.get(0).client()).isSameAs(ring.get(2).client());
        assertThat(ring.get(0).userKey()).isSameAs(ring.get(0).client());
    }
}

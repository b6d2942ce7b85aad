package io.nuri.runtime.process;

import java.math.BigDecimal;
import java.time.Duration;

/** Bytes and seconds as the driver's log lines and exit reasons write them. */
final class Quantities {
    private Quantities() {}

    /** 300Mi, 1Gi, 512Ki: as Kubernetes writes quantities, rounded to the unit. */
    static String bytes(long b) {
        if (b >= (1L << 30) && b % (1L << 30) == 0) {
            return (b >> 30) + "Gi";
        }
        if (b >= (1L << 20)) {
            return Math.round(b / (double) (1L << 20)) + "Mi";
        }
        return Math.round(b / 1024.0) + "Ki";
    }

    /** 5 s, 0.25 s: exact, no trailing zeros. */
    static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
    }
}

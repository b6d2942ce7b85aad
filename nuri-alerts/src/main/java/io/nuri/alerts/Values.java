package io.nuri.alerts;

import java.math.BigDecimal;

/** How numbers appear in summaries and payloads: 0.65, 12, 3.5 (no trailing zeros, no exponent). */
final class Values {
    private Values() {}

    static String format(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return Double.toString(v);
        }
        // Four decimals are plenty for ratios (APDEX, error rate) and milliseconds alike.
        return new BigDecimal(v).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}

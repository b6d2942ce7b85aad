package io.nuri.api.spec;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Kubernetes resource quantities: "500m" / "1.5" cores, "256Mi" / "1G" / "1024" bytes. */
public final class Quantities {
    private static final Pattern CPU = Pattern.compile("(\\d+(?:\\.\\d+)?)(m?)");
    private static final Pattern BYTES = Pattern.compile("(\\d+(?:\\.\\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?");
    private static final Map<String, Long> UNITS = Map.of(
            "Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30, "Ti", 1L << 40,
            "k", 1_000L, "K", 1_000L, "M", 1_000_000L, "G", 1_000_000_000L, "T", 1_000_000_000_000L);

    private Quantities() {}

    /** @throws IllegalArgumentException with a reason fit for a validation message */
    public static long parseCpuMillis(String s) {
        Matcher m = CPU.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be cores like \"0.5\" or \"500m\", got \"" + s + "\"");
        }
        BigDecimal n = new BigDecimal(m.group(1));
        BigDecimal millis = m.group(2).isEmpty() ? n.movePointRight(3) : n;
        if (millis.signum() <= 0 || millis.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0) {
            throw new IllegalArgumentException("must be > 0 and at most 1000000 cores, got \"" + s + "\"");
        }
        return millis.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }

    /** @throws IllegalArgumentException with a reason fit for a validation message */
    public static long parseBytes(String s) {
        Matcher m = BYTES.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size like \"256Mi\", \"1Gi\" or \"500M\", got \"" + s + "\"");
        }
        BigDecimal n = new BigDecimal(m.group(1));
        long unit = m.group(2) == null ? 1 : UNITS.get(m.group(2));
        BigDecimal bytes = n.multiply(BigDecimal.valueOf(unit));
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(1L << 50)) > 0) {
            throw new IllegalArgumentException("must be > 0 and at most 1Pi, got \"" + s + "\"");
        }
        return bytes.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }
}

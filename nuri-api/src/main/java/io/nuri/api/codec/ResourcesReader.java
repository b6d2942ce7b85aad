package io.nuri.api.codec;

import io.nuri.api.spec.Quantities;
import io.nuri.api.spec.Resources;
import java.util.List;
import java.util.function.Function;

/** Reads {@code spec.resources}: cpu and memory as Kubernetes quantities ("500m", "256Mi"). */
final class ResourcesReader {
    static final List<String> FIELDS = List.of("cpu", "memory");

    private ResourcesReader() {}

    static Resources read(NodeReader r) {
        if (r == null) {
            return Resources.NONE;
        }
        String cpu = quantity(r, "cpu", Quantities::parseCpuMillis);
        String memory = quantity(r, "memory", Quantities::parseBytes);
        return new Resources(cpu, memory);
    }

    /** The quantity as written, once {@code parser} accepts it; null when absent or bad. */
    private static String quantity(NodeReader r, String field, Function<String, Long> parser) {
        String s = r.scalarText(field);
        if (s == null) {
            return null;
        }
        try {
            parser.apply(s);
            return s;
        } catch (IllegalArgumentException | ArithmeticException e) {
            r.error(field, e instanceof ArithmeticException ? "is out of range, got " + Json.write(s) : e.getMessage());
            return null;
        }
    }
}

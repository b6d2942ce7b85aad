package io.nuri.api.spec;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Requested resources of one instance, in Kubernetes quantities: {@code cpu} "500m", "2", "0.5";
 * {@code memory} "256Mi", "1Gi", "500M". Null means not set. The decoder checks the syntax, so
 * {@link #cpuMillis()} and {@link #memoryBytes()} never throw on a decoded spec.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Resources(String cpu, String memory) {
    public static final Resources NONE = new Resources(null, null);

    /** CPU in thousandths of a core, or 0 when not set. */
    public long cpuMillis() {
        return cpu == null ? 0 : Quantities.parseCpuMillis(cpu);
    }

    /** Memory in bytes, or 0 when not set. */
    public long memoryBytes() {
        return memory == null ? 0 : Quantities.parseBytes(memory);
    }
}

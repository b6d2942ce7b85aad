package io.nuri.control.autoscale;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What {@code nuri autoscale status APP} shows: the bounds, the targets, what was observed, the
 * count now and the last decisions (kept in memory: a restarted platform starts a new list).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AutoscaleStatus(String namespace, String app, int minReplicas, int maxReplicas, int effectiveMinReplicas,
        int replicas, int desiredReplicas, int readyReplicas, boolean panicking, Instant panicUntil,
        Targets targets, Observed stable, Observed panic, double idleSeconds, List<ScheduleState> schedules,
        List<DecisionRecord> decisions) {

    /** The per-instance targets; 0 = off. */
    public record Targets(double concurrency, double rps, double cpuPercent, double p95Millis) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ScheduleState(String name, String cron, String timeZone, int minReplicas, boolean open,
            Instant nextStart) {}

    /** One change of the count (or a limit that held it), with its inputs. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DecisionRecord(Instant time, int from, int to, int recommendation, boolean panicking,
            String limitedBy, String reason, Observed stable, Observed panic) {}
}

package io.nuri.gateway;

import com.linecorp.armeria.client.WebClient;
import io.nuri.api.model.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's per-instance state, kept across routing snapshots by instance id: the pooled
 * client, the in-flight counter (draining and least-request read it) and passive-health
 * ejection. A new snapshot that lists the same instance at the same address reuses this object.
 */
final class Upstream {
    /** First ejection lasts this long; each repeat within {@link #EJECT_MAX_NANOS} doubles it. */
    static final long EJECT_BASE_NANOS = 5_000_000_000L;
    static final long EJECT_MAX_NANOS = 30_000_000_000L;

    final String instanceId;
    /** The latest record for this instance (weight, readySince may change; address may not). */
    volatile Endpoint endpoint;
    final WebClient client;
    /** Shared with a successor Upstream when the instance moves to another port. */
    final AtomicInteger inflight;

    // Written on failures only (rare); read per request.
    private volatile long ejectedUntilNanos = Long.MIN_VALUE;
    private volatile long lastEjectionNanos = Long.MIN_VALUE;
    private volatile long ejectionNanos;

    Upstream(Endpoint endpoint, WebClient client, AtomicInteger inflight) {
        this.instanceId = endpoint.instanceId();
        this.endpoint = endpoint;
        this.client = client;
        this.inflight = inflight;
    }

    boolean sameAddress(Endpoint other) {
        return endpoint.port() == other.port() && endpoint.host().equals(other.host());
    }

    boolean ejected(long nowNanos) {
        final long until = ejectedUntilNanos;
        return until != Long.MIN_VALUE && until - nowNanos > 0; // subtract: nanoTime may wrap
    }

    /**
     * Takes this endpoint out of rotation for 5 s, doubling up to 30 s when it was ejected
     * again less than 30 s after the previous ejection ended. Races between event loops reporting
     * the same failure can at worst double the time once more; that is harmless.
     */
    void eject(long nowNanos) {
        if (ejected(nowNanos)) {
            return; // concurrent requests failing on the same outage count once
        }
        final long last = lastEjectionNanos;
        long duration = EJECT_BASE_NANOS;
        if (last != Long.MIN_VALUE && nowNanos - last < ejectionNanos + EJECT_MAX_NANOS) {
            duration = Math.min(EJECT_MAX_NANOS, ejectionNanos * 2);
        }
        ejectionNanos = duration;
        lastEjectionNanos = nowNanos;
        ejectedUntilNanos = nowNanos + duration;
    }

    /** A response arrived: forget earlier ejections so the next failure starts at 5 s again. */
    void succeeded() {
        if (lastEjectionNanos != Long.MIN_VALUE) {
            lastEjectionNanos = Long.MIN_VALUE; // the current ejection, if any, runs its course
        }
    }

    @Override
    public String toString() {
        return instanceId + '@' + endpoint.authority();
    }
}

package io.nuri.runtime;

import io.nuri.api.spec.Probes;
import java.util.Map;

/**
 * Runs an instance's startup, readiness and liveness probes against its endpoint, as the
 * kubelet does, and reports transitions only (never every result).
 *
 * <p>Order: while a startup probe exists and has not passed, only it runs; it reports
 * {@code STARTUP passing=true} once, or {@code passing=false} after failureThreshold failures
 * (the instance should be restarted). Then readiness and liveness run, each on its own period:
 * readiness reports true after successThreshold successes and false after failureThreshold
 * failures; liveness reports false after failureThreshold failures (restart it) and true when
 * it recovers. Results after {@link #unwatch} are dropped.
 */
public interface Prober extends AutoCloseable {

    enum Kind { STARTUP, READINESS, LIVENESS }

    interface Listener {
        /** @param detail why, fit for an event: "HTTP 500 from /health", "connect refused", "timeout after 1 s" */
        void onTransition(String instanceId, Kind kind, boolean passing, String detail);
    }

    /** Starts probing; replaces an earlier watch of the same id. {@code env} is for exec probes. */
    void watch(String instanceId, String host, int port, Probes probes, Map<String, String> env, Listener listener);

    void unwatch(String instanceId);

    @Override
    void close();
}

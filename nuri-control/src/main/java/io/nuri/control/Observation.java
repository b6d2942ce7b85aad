package io.nuri.control;

import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.Prober;

/**
 * Something the runtime saw happen to one incarnation (pid) of an instance. Driver and prober
 * callbacks only queue these; the controller thread applies them, so instance records have a
 * single writer. The pid lets a late report about an earlier incarnation be recognised and
 * dropped after the instance was restarted in place.
 */
sealed interface Observation {
    String appKey();

    String instanceId();

    long pid();

    record Exited(String appKey, String instanceId, long pid, ExitStatus status) implements Observation {}

    record ProbeChanged(String appKey, String instanceId, long pid, Prober.Kind kind, boolean passing, String detail)
            implements Observation {}
}

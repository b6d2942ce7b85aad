package io.nuri.api.model;

/**
 * Life of one instance. Pending: recorded, process not started yet. Starting: process runs,
 * startup/readiness not passed yet. Ready: takes traffic. Unready: running, readiness failing.
 * Terminating: being stopped (draining, then SIGTERM, then SIGKILL after the grace period).
 * Failed: exited and waiting for its restart backoff, or given up (restartPolicy Never).
 * Succeeded: exited 0 under restartPolicy OnFailure/Never.
 */
public enum InstanceState {
    Pending,
    Starting,
    Ready,
    Unready,
    Terminating,
    Failed,
    Succeeded;

    /** A process is (or is about to be) running for this instance. */
    public boolean isLive() {
        return this == Pending || this == Starting || this == Ready || this == Unready;
    }
}

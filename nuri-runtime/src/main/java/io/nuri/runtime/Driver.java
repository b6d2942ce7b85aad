package io.nuri.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Starts, stops and observes instances; nothing outside a driver knows which driver runs.
 * Keyed by instance id, in the manner of Nomad's task drivers. Health checks are not the
 * driver's business: {@link Prober} runs them against the endpoint a handle names.
 *
 * <p>Every method is safe to call from any thread and idempotent where it can be: stopping a
 * stopped instance or recovering a known one does nothing.
 */
public interface Driver extends AutoCloseable {

    /** "process", "kubernetes". */
    String name();

    /**
     * Starts one instance and returns its handle, which the caller persists at once. Fails with
     * {@link DriverException} (reason fit for an event) when the instance cannot start at all.
     */
    InstanceHandle start(LaunchSpec spec) throws DriverException;

    /**
     * Completes with the exit once the instance's process ended, whatever ended it. For a
     * recovered instance that is not a child of this process the exit code may be unknown.
     * Returns the same future for the same instance every time (callers must not complete it);
     * an id the driver never knew gets an already completed one ("not known to this driver").
     */
    CompletableFuture<ExitStatus> exit(String instanceId);

    /**
     * Asks the instance to stop (SIGTERM), waits up to {@code grace}, then kills it (SIGKILL) with
     * every process it started. Completes when it is gone. Unknown ids complete at once.
     */
    CompletableFuture<ExitStatus> stop(String instanceId, Duration grace);

    /**
     * After a platform restart: re-adopts the process a persisted handle names if it can prove
     * the process is that instance (pid, its start time, and the instance id the driver gave it),
     * returning the live handle; otherwise returns empty and makes sure nothing of it runs.
     */
    Optional<InstanceHandle> recover(InstanceHandle persisted);

    /**
     * Stops every process this driver started for this data dir whose instance id is not in
     * {@code keep}: leftovers of a crash between starting a process and persisting its handle.
     * Instances the driver tracks (started or recovered) are never strays, so a start racing
     * with this call is safe; ids in {@code keep} that are not tracked are left for
     * {@link #recover}. Returns the ids it stopped.
     */
    Collection<String> reapStrays(Collection<String> keep);

    /** CPU and memory of a running instance, empty when it is not running. */
    Optional<ResourceUsage> usage(String instanceId);

    /** Instances currently known (started or recovered, not yet exited). */
    Collection<String> running();

    /** Stops every running instance, each within its grace period (platform shutdown). */
    @Override
    void close();
}

package io.nuri.control.autoscale;

/**
 * Where the autoscaler reads an app's load: the gateway (in flight, held, completed requests),
 * the APM (latency) and the driver (CPU, free memory). The server wires the real sources; nothing
 * here knows which gateway or driver runs.
 */
public interface ScaleSignals {
    /** Requests sent to {@code instanceId} that have not finished. */
    int inflight(String instanceId);

    /** Requests the gateway holds for the app while it has no instance (it scales from zero). */
    int held(String namespace, String app);

    /** Requests of the app completed in the last whole second (the APM's count). */
    long requestsLastSecond(String namespace, String app);

    /** The app's p95 response time over the last {@code seconds} whole seconds; NaN without requests. */
    double p95Millis(String namespace, String app, int seconds);

    /** The instance's CPU over the last reading, in percent of one core; NaN when unknown. */
    double cpuPercent(String instanceId);

    /** Memory the machine can still give to new instances, in bytes; Long.MAX_VALUE when unknown. */
    long availableMemoryBytes();
}

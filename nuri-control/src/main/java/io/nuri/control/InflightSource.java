package io.nuri.control;

/**
 * How many requests an instance is serving right now, as the gateway counts them. The controller
 * asks while it drains an instance it is about to stop: the instance has already left the
 * endpoint set (it is Terminating), so the count only goes down.
 */
@FunctionalInterface
public interface InflightSource {
    /** No gateway: nothing is ever in flight, so a drain lasts only the minimum drain delay. */
    InflightSource NONE = instanceId -> 0;

    /** Requests sent to {@code instanceId} that have not finished; 0 for an unknown id. */
    int inflight(String instanceId);
}

package io.nuri.control;

import java.time.Duration;
import java.time.Instant;

/**
 * What a path of the controller may ask of its loop: another pass of an app later. Paths never
 * sleep or poll; they name the moment the next look is due and return.
 */
interface Requeue {
    /**
     * A pass of {@code appKey} at {@code when} (a deadline, the end of minReadySeconds, a drain
     * check), unless one at or before it is already scheduled.
     */
    void at(String appKey, Instant when);

    /** A pass of {@code appKey} after {@code delay}, whatever else is scheduled. */
    void after(String appKey, Duration delay);
}

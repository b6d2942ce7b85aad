package io.nuri.control;

import io.nuri.api.spec.Rollout;

/**
 * The arithmetic of a rolling update, on counts only, as {@code rolling.go} of the Kubernetes
 * deployment controller does it. The controller takes one step per pass: start new instances
 * if the surge allows it, otherwise stop old ones if availability allows it; the next pass sees
 * the result and takes the next step.
 *
 * <p>Counts are of instances that are not Terminating (a draining instance has already left the
 * endpoint set, so it neither serves new requests nor takes a slot). "Available" means Ready for
 * at least {@code minReadySeconds}.
 *
 * <h2>Worked example</h2>
 * 4 replicas move from revision 1 to 2 with {@code maxSurge: 1, maxUnavailable: 1}: at most 5
 * instances, at least {@code minAvailable = 4 - 1 = 3} available.
 * <pre>
 *  pass  old avail  new (avail)  all  step
 *  1     4          0            4    start min(4+1-4, 4-0) = 1 new
 *  2     4          1 (0)        5    maxScaledDown = 5 - 3 - (1 unavailable new) = 1;
 *                                     available 4 - minAvailable 3 = 1: stop 1 old
 *  3     3          1 (0)        4    start min(5-4, 4-1) = 1 new
 *  4     3          2 (0)        5    maxScaledDown = 5 - 3 - 2 = 0: wait (the new ones start)
 *  5     3          2 (2)        5    maxScaledDown = 5 - 3 - 0 = 2; available 5 - 3 = 2: stop 2 old
 *  6     1          2 (2)        3    start min(5-3, 4-2) = 2 new
 *  7     1          4 (2)        5    maxScaledDown = 5 - 3 - 2 = 0: wait
 *  8     1          4 (4)        5    stop the last old one: done, 4 new available
 * </pre>
 * If the new instances never become available (a crash loop), pass 4 waits forever: the old
 * instances that still serve are never stopped, and the progress deadline rolls back. Old
 * instances that are not available themselves (crashed, unready) are stopped first and within
 * {@code maxScaledDown} only: removing them costs no availability.
 */
final class Rolling {
    private Rolling() {}

    /** maxSurge for {@code replicas}; when both maxSurge and maxUnavailable are 0, a surge of 1. */
    static int surge(Rollout r, int replicas) {
        int surge = r.surge(replicas);
        return surge == 0 && r.unavailable(replicas) == 0 ? 1 : surge;
    }

    /** maxUnavailable for {@code replicas}, at most {@code replicas}. */
    static int unavailable(Rollout r, int replicas) {
        return Math.min(r.unavailable(replicas), replicas);
    }

    /** New instances to start now ({@code reconcileNewReplicaSet}). */
    static int newToStart(int replicas, int surge, int newCount, int allCount) {
        if (newCount >= replicas) {
            return 0;
        }
        int room = replicas + surge - allCount;
        return Math.max(0, Math.min(room, replicas - newCount));
    }

    /** Old instances to stop now: {@code unhealthy} of the unavailable ones, then {@code available} ones. */
    record OldStep(int unhealthy, int available) {
        int total() {
            return unhealthy + available;
        }
    }

    /** Old instances to stop now ({@code reconcileOldReplicaSets}). */
    static OldStep oldToStop(int replicas, int maxUnavailable, int allCount, int newCount, int newAvailable,
            int oldCount, int oldAvailable) {
        if (oldCount == 0) {
            return new OldStep(0, 0);
        }
        int minAvailable = Math.max(0, replicas - maxUnavailable);
        int maxScaledDown = allCount - minAvailable - (newCount - newAvailable);
        if (maxScaledDown <= 0) {
            return new OldStep(0, 0);
        }
        int unhealthy = Math.min(maxScaledDown, oldCount - oldAvailable);
        int available = Math.max(0, Math.min(oldAvailable, newAvailable + oldAvailable - minAvailable));
        return new OldStep(unhealthy, available);
    }
}

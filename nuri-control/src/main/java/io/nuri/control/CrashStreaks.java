package io.nuri.control;

import java.util.HashMap;
import java.util.Map;

/**
 * Consecutive quick crashes (or failed starts) per instance, which pick the next restart's
 * backoff; a stable run resets the streak. Kept in memory only: after a platform restart every
 * instance starts from the beginning, which is fine. Touched only by the controller thread.
 */
final class CrashStreaks {
    private final Map<String, Integer> streaks = new HashMap<>();

    /** Records one more crash; one that follows a stable run starts a new streak. Returns it. */
    int next(String instanceId, boolean ranStable) {
        int streak = ranStable ? 1 : streaks.getOrDefault(instanceId, 0) + 1;
        streaks.put(instanceId, streak);
        return streak;
    }

    /** The streak the instance's pending restart follows (1 when none was recorded). */
    int current(String instanceId) {
        return streaks.getOrDefault(instanceId, 1);
    }

    void forget(String instanceId) {
        streaks.remove(instanceId);
    }
}

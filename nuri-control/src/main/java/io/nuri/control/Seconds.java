package io.nuri.control;

import java.time.Duration;

/** "3 s", "1.5 s" for event and log messages of the controller's paths. */
final class Seconds {
    private Seconds() {}

    static String of(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}

package io.nuri.apm;

/**
 * Requests of one app under way now, by how long they have been running (Scouter's active-service
 * equalizer): {@code under3s} is age < 3 s, {@code from3to8s} 3 s <= age < 8 s, {@code over8s} age >= 8 s.
 * A growing right-hand bar is the early sign of a stuck backend, before any request fails.
 */
public record InFlightByAge(long under3s, long from3to8s, long over8s) {
    public static final long SLOW_MILLIS = 3_000;
    public static final long VERY_SLOW_MILLIS = 8_000;
    public static final InFlightByAge NONE = new InFlightByAge(0, 0, 0);

    public long total() {
        return under3s + from3to8s + over8s;
    }
}

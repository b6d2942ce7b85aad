package io.nuri.apm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Requests under way by age, and the series' in-flight level, on a clock the test moves by hand. */
class InFlightByAgeTest {
    static final long T0 = 1_764_000_000_000L; // a whole second (and minute: 1_764_000_000 = 29_400_000 * 60)
    final AtomicLong now = new AtomicLong(T0);
    final ApmHub hub = new ApmHub(now::get);

    @Test
    void requestsMoveFromBarToBarAsTheyAgeAndLeaveWhenTheyEnd() {
        Runnable a = hub.started("default", "portal");               // t = 0
        now.set(T0 + 1_000);
        Runnable b = hub.started("default", "portal");               // t = 1 s
        Runnable c = hub.started("default", "portal");
        now.set(T0 + 2_999);
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(3, 0, 0));
        now.set(T0 + 3_000);                                          // a is exactly 3 s old: 3-8 s
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(2, 1, 0));
        now.set(T0 + 7_999);
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(0, 3, 0));
        now.set(T0 + 8_000);                                          // a is 8 s old: over 8 s
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(0, 2, 1));
        Runnable d = hub.started("default", "portal");
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(1, 2, 1));
        b.run();
        b.run(); // ending twice changes nothing
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(1, 1, 1));
        now.set(T0 + 20_000);
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(0, 0, 3));
        a.run();
        c.run();
        d.run();
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(InFlightByAge.NONE);
        assertThat(hub.inFlightByAge("default", "other")).isEqualTo(InFlightByAge.NONE);
        assertThat(new InFlightByAge(1, 2, 3).total()).isEqualTo(6);
    }

    @Test
    void seriesPointsCarryTheMostRequestsUnderWayInTheirSecond() {
        // Second 0: two start, one ends with a completion recorded; one stays under way until second 5.
        Runnable a = hub.started("default", "portal");
        Runnable b = hub.started("default", "portal");
        now.set(T0 + 500);
        b.run();
        hub.record("default", "portal", tx(T0 + 500, 500));
        // Seconds 1..4: nothing starts or ends, the stuck request is still under way.
        now.set(T0 + 5_200);
        a.run();
        hub.record("default", "portal", tx(T0 + 5_200, 5_200));
        now.set(T0 + 9_999);

        List<SeriesPoint> pts = hub.series("default", "portal", 10);
        assertThat(pts).extracting(SeriesPoint::t).containsExactly(T0, T0 + 1000, T0 + 2000, T0 + 3000, T0 + 4000, T0 + 5000);
        assertThat(pts).extracting(SeriesPoint::inFlight).containsExactly(2L, 1L, 1L, 1L, 1L, 1L);
        assertThat(pts).extracting(SeriesPoint::requests).containsExactly(1L, 0L, 0L, 0L, 0L, 1L);
        assertThat(pts.get(2).tps()).isZero();
        assertThat(pts.get(2).apdex()).isEqualTo(1.0);

        // A window that starts inside the quiet stretch takes the level from the slot before it.
        now.set(T0 + 3_999);
        assertThat(hub.series("default", "portal", 2)).extracting(SeriesPoint::inFlight).containsExactly(1L, 1L);

        // Per minute (spans over an hour): the peak of the minute.
        now.set(T0 + 9_999);
        List<SeriesPoint> perMinute = hub.series("default", "portal", 7200);
        assertThat(perMinute).hasSize(1);
        assertThat(perMinute.get(0).inFlight()).isEqualTo(2);
        assertThat(perMinute.get(0).requests()).isEqualTo(2);
    }

    @Test
    void aStuckRequestKeepsMinutePointsComingWithoutCompletions() {
        Runnable a = hub.started("default", "portal");
        now.set(T0 + 3 * 60_000 + 1);
        List<SeriesPoint> perMinute = hub.series("default", "portal", 7200);
        assertThat(perMinute).extracting(SeriesPoint::inFlight).containsExactly(1L, 1L, 1L, 1L);
        assertThat(hub.inFlightByAge("default", "portal")).isEqualTo(new InFlightByAge(0, 0, 1));
        a.run();
        now.set(T0 + 4 * 60_000);
        assertThat(hub.series("default", "portal", 7200)).extracting(SeriesPoint::inFlight).containsExactly(1L, 1L, 1L, 1L);
    }

    private static Transaction tx(long at, long ms) {
        return new Transaction(at, "GET", "/work", 200, ms * 1000, "portal-0", 1, "127.0.0.1", "u", null);
    }
}

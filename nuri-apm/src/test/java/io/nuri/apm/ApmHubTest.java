package io.nuri.apm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** 1,000 synthetic requests with known latencies and statuses give exactly the expected figures. */
class ApmHubTest {
    static final long T0 = 1_764_000_000_000L; // a whole second
    final AtomicLong now = new AtomicLong(T0 + 9_999); // the 10-second window is T0 .. T0+9.999
    ApmHub hub;

    @BeforeEach
    void feed() {
        hub = new ApmHub(now::get);
        int n = 0;
        for (int s = 0; s < 10; s++) {
            for (int k = 0; k < 100; k++) {
                long ms;
                int status = 200;
                if (k < 60) {
                    ms = 100;      // satisfied (<= T = 500 ms)
                } else if (k < 80) {
                    ms = 1000;     // tolerating (<= 4T)
                } else if (k < 90) {
                    ms = 3000;     // frustrated (> 4T)
                } else {
                    ms = 50;       // errors: fast but failed
                    status = 500;
                }
                long at = T0 + s * 1000L + k * 9;
                hub.record("default", "portal", new Transaction(at, "GET", k < 90 ? "/work" : "/fail", status, ms * 1000,
                        "portal-" + (k % 2), 1, "127.0.0.1", "u" + (n % 37), null));
                n++;
            }
        }
    }

    @Test
    void summaryCoversWholeSecondsOnlyTheRunningOneLeftOut() {
        // now is T0+9.999: the running second is s=9; the last whole second is s=8 (100 requests).
        assertThat(hub.summary("default", "portal", 1).requests()).isEqualTo(100);
        assertThat(hub.summary("default", "portal", 2).tps()).isEqualTo(100.0);
        // a request in the running second does not show until that second is over
        hub.record("default", "portal", new Transaction(T0 + 9_500, "GET", "/work", 200, 1000, "portal-0", 1,
                "127.0.0.1", "u", null));
        assertThat(hub.summary("default", "portal", 1).requests()).isEqualTo(100);
        now.set(T0 + 10_000);
        assertThat(hub.summary("default", "portal", 1).requests()).isEqualTo(101);
        assertThat(hub.summary("default", "portal", 60).requests()).isEqualTo(1001);
    }

    @Test
    void currentFiguresAreExact() {
        ApmSummary c = hub.current("default", "portal");
        assertThat(c.requests()).isEqualTo(1000);
        assertThat(c.tps()).isEqualTo(100.0);
        assertThat(c.errors()).isEqualTo(100);
        assertThat(c.errorRate()).isEqualTo(0.1);
        assertThat(c.apdex()).isEqualTo((600 + 200 / 2.0) / 1000);
        assertThat(c.avgMs()).isEqualTo((600 * 100 + 200 * 1000 + 100 * 3000 + 100 * 50) / 1000.0);
        assertThat(c.activeUsers()).isEqualTo(37);
        // HdrHistogram with 2 significant digits: within 1%
        assertThat(c.p50Ms()).isCloseTo(100, within(1.0));
        assertThat(c.p90Ms()).isCloseTo(1000, within(10.0));
        assertThat(c.p95Ms()).isCloseTo(3000, within(30.0));
        assertThat(c.p99Ms()).isCloseTo(3000, within(30.0));
    }

    @Test
    void seriesHasOnePointPerSecond() {
        List<SeriesPoint> pts = hub.series("default", "portal", 60);
        assertThat(pts).hasSize(10);
        assertThat(pts.get(0).t()).isEqualTo(T0);
        assertThat(pts).allSatisfy(p -> {
            assertThat(p.requests()).isEqualTo(100);
            assertThat(p.tps()).isEqualTo(100.0);
            assertThat(p.errorRate()).isEqualTo(0.1);
            assertThat(p.apdex()).isEqualTo(0.7);
            assertThat(p.p95Ms()).isCloseTo(3000, within(30.0));
        });
        List<SeriesPoint> perMinute = hub.series("default", "portal", 7200);
        assertThat(perMinute).hasSize(1);
        assertThat(perMinute.get(0).requests()).isEqualTo(1000);
        assertThat(perMinute.get(0).t()).isEqualTo(Math.floorDiv(T0 / 1000, 60) * 60_000);
    }

    @Test
    void heatmapCellsAreExact() {
        List<HeatmapCell> cells = hub.heatmap("default", "portal", T0, T0 + 9_999);
        assertThat(cells).hasSize(40);
        for (int s = 0; s < 10; s++) {
            long t = T0 + s * 1000L;
            assertThat(cells).contains(new HeatmapCell(t, 1, 10, 10), new HeatmapCell(t, 2, 60, 0),
                    new HeatmapCell(t, 5, 20, 0), new HeatmapCell(t, 6, 10, 0));
        }
        assertThat(hub.heatmap("default", "portal", T0 + 3000, T0 + 3999)).hasSize(4);
    }

    @Test
    void aTransactionQueryReturnsExactlyTheSelection() {
        long from = T0 + 3000;
        long to = T0 + 5999;
        List<Transaction> sel = hub.transactions("default", "portal",
                t -> t.timeMillis() >= from && t.timeMillis() <= to && t.durationMillis() >= 900 && t.durationMillis() < 1100, 5000);
        assertThat(sel).hasSize(60).allSatisfy(t -> assertThat(t.durationMicros()).isEqualTo(1_000_000));
        assertThat(sel).isSortedAccordingTo((a, b) -> Long.compare(b.timeMillis(), a.timeMillis()));
        assertThat(hub.transactions("default", "portal", Transaction::error, 5000)).hasSize(100);
        assertThat(hub.transactions("default", "portal", t -> true, 10)).hasSize(11); // limit + 1: "truncated"
    }

    @Test
    void theSlowestAndFailedOutliveTheRecentRing() {
        for (int i = 0; i < AppWindow.RECENT + 10; i++) {
            hub.record("default", "portal", new Transaction(T0 + 10_000 + i / 100, "GET", "/", 200, 1000, "portal-0", 1,
                    "127.0.0.1", null, null));
        }
        assertThat(hub.transactions("default", "portal", t -> t.durationMicros() == 3_000_000, 5000)).hasSize(100);
        assertThat(hub.transactions("default", "portal", Transaction::error, 5000)).hasSize(100);
    }

    @Test
    void anUnknownAppHasEmptyFigures() {
        assertThat(hub.current("default", "nothing").requests()).isZero();
        assertThat(hub.series("default", "nothing", 60)).isEmpty();
    }
}

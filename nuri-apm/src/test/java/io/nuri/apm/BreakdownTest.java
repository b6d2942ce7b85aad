package io.nuri.apm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Per-route and per-instance figures from known requests, with a clock moved by hand. */
class BreakdownTest {
    static final long T0 = 1_764_000_000_000L; // a whole second
    final AtomicLong now = new AtomicLong(T0 + 9_999); // the window is T0 .. T0+9.999
    ApmHub hub;

    @BeforeEach
    void feed() {
        hub = new ApmHub(now::get);
        for (int s = 0; s < 10; s++) {
            for (int k = 0; k < 30; k++) {
                long at = T0 + s * 1000L + k * 10;
                // /api: 20 a second, 10 ms, one 500 in ten; /static: 10 a second, 2 ms, no error
                boolean api = k < 20;
                int status = api && k % 10 == 0 ? 500 : 200;
                String instance = k % 3 == 0 ? "web-a" : "web-b";
                hub.record("default", "shop", api ? "/api" : "/static", new Transaction(at, "GET", api ? "/api/x" : "/static/y",
                        status, (api ? 10 : 2) * 1000L, instance, k % 3 == 0 ? 1 : 2, "127.0.0.1", "u", null));
            }
        }
    }

    @Test
    void routesHaveExactFiguresBusiestFirst() {
        List<BreakdownRow> routes = hub.routes("default", "shop");
        assertThat(routes).extracting(BreakdownRow::key).containsExactly("/api", "/static");
        BreakdownRow api = routes.get(0);
        assertThat(api.requests()).isEqualTo(200);
        assertThat(api.tps()).isEqualTo(20.0);
        assertThat(api.avgMs()).isEqualTo(10.0);
        assertThat(api.errors()).isEqualTo(20);
        assertThat(api.errorRate()).isEqualTo(0.1);
        assertThat(api.p95Ms()).isCloseTo(10.0, within(0.1));
        BreakdownRow stat = routes.get(1);
        assertThat(stat.requests()).isEqualTo(100);
        assertThat(stat.tps()).isEqualTo(10.0);
        assertThat(stat.avgMs()).isEqualTo(2.0);
        assertThat(stat.errorRate()).isEqualTo(0.0);
        assertThat(stat.p95Ms()).isCloseTo(2.0, within(0.02));
    }

    @Test
    void instancesHaveExactFiguresAndTheirRevision() {
        List<BreakdownRow> rows = hub.byInstance("default", "shop");
        assertThat(rows).extracting(BreakdownRow::key).containsExactly("web-b", "web-a");
        // k % 3 == 0 for k in 0..29: 10 per second to web-a (7 of them /api, k = 0 and 10 and... errors at k = 0, 10)
        BreakdownRow a = rows.get(1);
        assertThat(a.requests()).isEqualTo(100);
        assertThat(a.revision()).isEqualTo(1);
        assertThat(a.tps()).isEqualTo(10.0);
        // web-a per second: k = 0,3,6,9,12,15,18 on /api (10 ms), 21,24,27 on /static (2 ms); errors k = 0
        assertThat(a.avgMs()).isEqualTo((7 * 10 + 3 * 2) / 10.0);
        assertThat(a.errors()).isEqualTo(10);
        BreakdownRow b = rows.get(0);
        assertThat(b.requests()).isEqualTo(200);
        assertThat(b.revision()).isEqualTo(2);
        assertThat(b.errors()).isEqualTo(10); // k = 10
        assertThat(a.requests() + b.requests()).isEqualTo(hub.current("default", "shop").requests());
    }

    @Test
    void theWindowMovesWithTheClock() {
        now.set(T0 + 14_999); // seconds 5..14: only 5..9 have requests
        BreakdownRow api = hub.routes("default", "shop").getFirst();
        assertThat(api.requests()).isEqualTo(100);
        assertThat(api.tps()).isEqualTo(10.0);
        now.set(T0 + 20_000);
        assertThat(hub.routes("default", "shop")).isEmpty();
        assertThat(hub.byInstance("default", "shop")).isEmpty();
        assertThat(hub.routes("default", "nope")).isEmpty();
    }

    @Test
    void keysPastTheCapAreCountedAsOther() {
        for (int i = 0; i < Breakdown.MAX_KEYS + 5; i++) {
            hub.record("default", "many", "/r" + i, new Transaction(T0 + 9_000, "GET", "/r" + i, 200, 1000, "i", 1, "c", "u", null));
        }
        List<BreakdownRow> rows = hub.routes("default", "many");
        assertThat(rows).hasSize(Breakdown.MAX_KEYS);
        assertThat(rows.getFirst().key()).isEqualTo(Breakdown.OTHER);
        assertThat(rows.getFirst().requests()).isEqualTo(6);
        assertThat(rows.stream().mapToLong(BreakdownRow::requests).sum()).isEqualTo(Breakdown.MAX_KEYS + 5);
    }
}

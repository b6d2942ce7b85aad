package io.nuri.apm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Edges between apps from the gateway's span ids, with exact counts over windows moved by hand. */
class ServiceMapTest {
    static final long T0 = 1_800_000_000_000L;

    static Transaction tx(long at, int status, long ms, String trace, String span, String parent, String caller) {
        return new Transaction(at, "GET", "/", status, ms * 1000, "i", 1, "127.0.0.1", "u", trace, span, parent, caller);
    }

    /** Stands in for the gateway: span ids "f..." are front's, "b..." back's, anything else nobody's. */
    static ServiceMap map(AtomicLong now) {
        ServiceMap map = new ServiceMap(now::get);
        map.spanOwner(id -> id.startsWith("f") ? "default/front" : id.startsWith("b") ? "default/back" : null);
        return map;
    }

    @Test
    void aCallThroughTheGatewayFromAnotherAppsRequestIsAnEdge() {
        AtomicLong now = new AtomicLong(T0);
        ServiceMap map = map(now);
        // 20 front requests; each calls back once: 10 with front's own child span + tracestate, 10 passing the
        // gateway span straight on as parent. Two of the back calls fail.
        for (int i = 0; i < 20; i++) {
            String g1 = String.format("f%015x", 1000 + i);
            String g2 = String.format("b%015x", 5000 + i);
            Transaction back = i < 10
                    ? tx(T0 + i, i < 2 ? 503 : 200, 10 + i, "t" + i, g2, String.format("%016x", 9000 + i), g1)
                    : tx(T0 + i, 200, 10 + i, "t" + i, g2, g1, null);
            map.record("default/back", back);
            map.record("default", "front", tx(T0 + i + 1, 200, 30, "t" + i, g1, null, null));
        }
        // A request from outside (no parent the gateway issued) and an app calling itself are no edges.
        map.record("default/back", tx(T0 + 50, 200, 5, "x", "b0000000000000aa", "00000000000000bb", "00000000000000cc"));
        map.record("default/back", tx(T0 + 60, 200, 5, "y", "b0000000000000ee", "b0000000000000dd", null));

        now.set(T0 + 5_000);
        List<ServiceMap.Edge> edges = map.edges(60);
        assertThat(edges).hasSize(1);
        ServiceMap.Edge e = edges.get(0);
        assertThat(e.from()).isEqualTo("default/front");
        assertThat(e.to()).isEqualTo("default/back");
        assertThat(e.requests()).isEqualTo(20);
        assertThat(e.errors()).isEqualTo(2);
        assertThat(e.avgMs()).isEqualTo(19.5); // 10..29 ms
        assertThat(e.p95Ms()).isEqualTo(28.0); // nearest rank 19 of 20

        // An hour later the edge has aged out of every window.
        now.set(T0 + 3_700_000);
        assertThat(map.edges(3600)).isEmpty();
    }

    @Test
    void theWindowCountsOnlyRecentCalls() {
        AtomicLong now = new AtomicLong(T0);
        ServiceMap map = map(now);
        map.record("default", "back", tx(T0, 200, 1, "t", "b000000000000002", "f000000000000001", null));
        map.record("default", "back", tx(T0 + 100_000, 200, 3, "t", "b000000000000003", "f000000000000001", null));
        now.set(T0 + 100_500);
        assertThat(map.edges(60)).singleElement().satisfies(e -> {
            assertThat(e.requests()).isEqualTo(1);
            assertThat(e.p95Ms()).isEqualTo(3.0);
        });
        assertThat(map.edges(600)).singleElement().satisfies(e -> assertThat(e.requests()).isEqualTo(2));
        map.remove("default", "back");
        assertThat(map.edges(600)).isEmpty();
    }

    @Test
    void withoutASpanOwnerNoCallIsPlaced() {
        ServiceMap map = new ServiceMap(() -> T0);
        map.record("default", "back", tx(T0, 200, 1, "t", "b000000000000002", "f000000000000001", null));
        assertThat(map.appOf("f000000000000001")).isNull();
        assertThat(map.edges(60)).isEmpty();
    }

    @Test
    void aTraceIsReadBackFromTheHubWithParentLinks() {
        ApmHub hub = new ApmHub(() -> T0 + 1000);
        hub.record("default", "front", tx(T0 + 100, 200, 100, "trace1", "000000000000000a", null, null));
        hub.record("default", "back", tx(T0 + 80, 200, 50, "trace1", "000000000000000b", "00000000000000f1", "000000000000000a"));
        hub.record("default", "back", tx(T0 + 90, 200, 5, "other", "000000000000000c", null, null));
        List<Traces.Span> spans = Traces.find(hub, "trace1");
        assertThat(spans).extracting(Traces.Span::app).containsExactly("front", "back");
        assertThat(spans.get(0).parent()).isNull();
        assertThat(spans.get(0).startMillis()).isEqualTo(T0);
        assertThat(spans.get(1).parent()).isEqualTo("000000000000000a");
        assertThat(spans.get(1).parentSpanId()).isEqualTo("00000000000000f1");
        assertThat(Traces.find(hub, "nope")).isEmpty();
    }
}

package io.nuri.gateway;

import io.nuri.api.model.Endpoint;
import io.nuri.api.spec.Traffic;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gateway's per-request routing and balancing path, without I/O: Host header parse, route
 * match in a table of 50 apps x 3 routes (each app its own host, plus "*" routes merged in),
 * then endpoint selection among 4 endpoints, per strategy, with and without slow start.
 * The class sits in package io.nuri.gateway to reach the package-private hot-path types.
 *
 * <p>Run (from the repository root; the build never runs it):
 * <pre>
 * ./mvnw -q -B -pl bench/jmh -am package -DskipTests
 * java -jar bench/jmh/target/nuri-bench-jmh.jar RoutingBenchmark            # full run
 * java -jar bench/jmh/target/nuri-bench-jmh.jar RoutingBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s   # quick look
 * java -jar bench/jmh/target/nuri-bench-jmh.jar RoutingBenchmark -prof gc  # allocation per op
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RoutingBenchmark {
    static final int APPS = 50;

    @Param({"leastRequest", "roundRobin", "weighted"})
    public String balancer;

    @Param({"false", "true"})
    public boolean slowStart;

    RouteTable table;
    String[] authorities;
    String[] paths;
    long nowMillis;
    int i;

    @Setup(Level.Trial)
    public void setUp() {
        nowMillis = Instant.parse("2026-11-24T12:00:00Z").toEpochMilli();
        final Traffic.LoadBalancer lb = Traffic.LoadBalancer.valueOf(balancer);
        final Traffic traffic = new Traffic(lb, slowStart ? 60 : 0, null, Traffic.Retries.DEFAULTS, 30);
        final List<RouteTable.Entry> entries = new ArrayList<>();
        for (int a = 0; a < APPS; a++) {
            final Upstream[] ups = new Upstream[4];
            for (int e = 0; e < 4; e++) {
                // With slow start on, one endpoint of four is 30 s into a 60 s warm-up.
                final Instant ready = slowStart && e == 3 ? Instant.ofEpochMilli(nowMillis - 30_000) : Instant.EPOCH;
                ups[e] = new Upstream(new Endpoint("app" + a + "-" + e, "default", "app" + a, 1, "127.0.0.1",
                        10_000 + a * 4 + e, ready, 100 + e * 50), null, new AtomicInteger(e));
            }
            final LoadBalancer balancer = switch (lb) {
                case leastRequest -> LoadBalancer.leastRequest();
                case roundRobin -> LoadBalancer.roundRobin();
                case weighted -> LoadBalancer.weighted();
            };
            final AppState app = new AppState("default", "app" + a, traffic, ups, balancer,
                    new RetryBudget(20, 3, System::nanoTime));
            final String host = "app" + a + ".example.org";
            entries.add(new RouteTable.Entry(host, "/", false, app, 30_000));
            entries.add(new RouteTable.Entry(host, "/api", true, app, 30_000));
            entries.add(new RouteTable.Entry(a % 10 == 0 ? null : host, "/static/v" + a, false, app, 30_000));
        }
        table = new RouteTable(1, entries);
        authorities = new String[64];
        paths = new String[64];
        final String[] shapes = {"/", "/api/orders/42", "/static/v%d/app.js", "/index.html", "/apix/not-api"};
        for (int k = 0; k < 64; k++) {
            final int a = (k * 7) % APPS;
            authorities[k] = "app" + a + ".example.org" + (k % 2 == 0 ? ":8000" : "");
            paths[k] = String.format(shapes[k % shapes.length], a);
        }
    }

    /** Host parse + route match only. */
    @Benchmark
    public RouteTable.Entry match() {
        final int k = (i++) & 63;
        return table.match(RouteTable.hostOf(authorities[k]), paths[k]);
    }

    /** Host parse + route match + endpoint pick: what every request pays before I/O. */
    @Benchmark
    public Upstream matchAndSelect() {
        final int k = (i++) & 63;
        final RouteTable.Entry e = table.match(RouteTable.hostOf(authorities[k]), paths[k]);
        final AppState app = e.app;
        return app.upstreams[app.balancer.select(app, nowMillis)];
    }
}

package io.nuri.apm;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of recording one request in the APM hub, as the gateway's event loops pay it: the
 * per-app window (slots, histogram, heatmap, rings, users) plus the per-route and per-instance
 * breakdowns. One app, so 4 threads contend on one per-app lock (the worst case: the gateway's
 * event loops all serving the same app).
 *
 * <pre>java -jar bench/jmh/target/nuri-bench-jmh.jar ApmRecordBenchmark -wi 3 -w 2s -i 5 -r 2s -f 1 -prof gc</pre>
 * ({@code -prof gc}: bytes allocated per recorded request, {@code gc.alloc.rate.norm}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ApmRecordBenchmark {
    /** The gateway hands the hub the app's key it already holds ({@code RequestSample.appKey}). */
    private static final String APP = "default/web";
    private ApmHub hub;
    private Transaction[] samples;

    @Setup
    public void setUp() {
        hub = new ApmHub();
        samples = new Transaction[1024];
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < samples.length; i++) {
            // realistic spread: 200s and a few 500s, 1-400 ms, two instances, a few hundred users
            // and traced, as every request through the gateway is (ids as the gateway writes them)
            samples[i] = new Transaction(0, "GET", "/api/items/" + i, i % 50 == 0 ? 500 : 200,
                    1000 + r.nextLong(400_000), "web-" + (i % 2), 1, "10.0.0." + (i % 200), "u" + (i % 300),
                    String.format("%016x%016x", r.nextLong() | 1, r.nextLong()), String.format("%016x", r.nextLong() | 1),
                    null, null);
        }
    }

    private Transaction next() {
        Transaction s = samples[ThreadLocalRandom.current().nextInt(samples.length)];
        // now: windows move as in production (a new second every second)
        return new Transaction(System.currentTimeMillis(), s.method(), s.path(), s.status(), s.durationMicros(),
                s.instance(), s.revision(), s.client(), s.userKey(), s.traceId(), s.spanId(), null, null);
    }

    @Benchmark
    @Threads(1)
    public void record1Thread() {
        hub.recordByKey(APP, "/api", next());
    }

    @Benchmark
    @Threads(4)
    public void record4Threads() {
        hub.recordByKey(APP, "/api", next());
    }

    /** The window alone (no breakdowns): what recording cost before per-route and per-instance figures. */
    @Benchmark
    @Threads(1)
    public void recordWindowOnly1Thread() {
        hub.record("default", "web", next());
    }
}

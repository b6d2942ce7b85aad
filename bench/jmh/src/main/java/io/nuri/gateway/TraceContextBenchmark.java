package io.nuri.gateway;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.RequestHeaders;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What W3C tracing adds to each routed request in the gateway: reading traceparent/tracestate and
 * making the gateway's span and the headers sent upstream ({@link TraceContext#from}).
 *
 * <pre>
 * java -jar bench/jmh/target/nuri-bench-jmh.jar TraceContextBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TraceContextBenchmark {
    final RequestHeaders plain = RequestHeaders.of(HttpMethod.GET, "/work");
    final RequestHeaders traced = RequestHeaders.builder(HttpMethod.GET, "/work")
            .add("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            .add("tracestate", "nuri=1111222233334444,rojo=00f067aa0ba902b7").build();

    /** No traceparent: the gateway starts the trace (the benchmark load of bench/load). */
    @Benchmark
    public TraceContext newTrace() {
        return TraceContext.from(plain);
    }

    /** A caller's traceparent and tracestate are validated and continued. */
    @Benchmark
    public TraceContext continuedTrace() {
        return TraceContext.from(traced);
    }
}

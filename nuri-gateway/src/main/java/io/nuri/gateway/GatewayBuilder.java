package io.nuri.gateway;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.server.ServerBuilder;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;

/** Builds a {@link Gateway}; obtain one from {@link Gateway#builder()}. Defaults are listed per setter. */
public final class GatewayBuilder {
    static final long DEFAULT_MAX_REQUEST_BODY_BYTES = 64L * 1024 * 1024;
    static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    static final long DEFAULT_MAX_RETRY_BODY_BYTES = 1024 * 1024;

    InetSocketAddress http = new InetSocketAddress("127.0.0.1", 8000);
    long maxRequestBodyBytes = DEFAULT_MAX_REQUEST_BODY_BYTES;
    int maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
    long maxRetryBodyBytes = DEFAULT_MAX_RETRY_BODY_BYTES;
    /**
     * System property that sets the default event loop count (e.g. {@code -Dnuri.gateway.eventLoops=1}
     * through NURI_JAVA_OPTS), for gateways embedded where no builder option reaches: on a small host
     * shared with the instances it proxies, one loop per core leaves loops descheduled under load.
     */
    static final String EVENT_LOOPS_PROPERTY = "nuri.gateway.eventLoops";

    int eventLoopThreads = defaultEventLoopThreads();
    long connectTimeoutMillis = 2000;
    long upstreamIdleTimeoutMillis = 60_000;
    Clock clock = Clock.systemUTC();
    LongSupplier ticker = System::nanoTime;
    Consumer<ServerBuilder> serverCustomizer = sb -> {};
    Consumer<RequestSample> requestListener;
    Function<RequestStart, Runnable> startListener;

    GatewayBuilder() {}

    static int defaultEventLoopThreads() {
        final Integer n = Integer.getInteger(EVENT_LOOPS_PROPERTY);
        return n != null && n > 0 ? n : Runtime.getRuntime().availableProcessors();
    }

    /** The plain HTTP listener (HTTP/1.1 and h2c). Default 127.0.0.1:8000; port 0 picks a free one. */
    public GatewayBuilder http(InetSocketAddress address) {
        this.http = requireNonNull(address, "address");
        return this;
    }

    /** Request bodies beyond this get 413 (streamed, never buffered to check). Default 64 MiB; 0 = no limit. */
    public GatewayBuilder maxRequestBodyBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxRequestBodyBytes: " + bytes + " (expected: >= 0)");
        }
        this.maxRequestBodyBytes = bytes;
        return this;
    }

    /** Request headers beyond this get 431. Default 16 KiB. */
    public GatewayBuilder maxHeaderBytes(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxHeaderBytes: " + bytes + " (expected: > 0)");
        }
        this.maxHeaderBytes = bytes;
        return this;
    }

    /**
     * Bodies up to this size (with a Content-Length) are kept until the response so that a
     * request that never reached an instance can be sent again. Default 1 MiB; 0 = retry only
     * requests without a body.
     */
    public GatewayBuilder maxRetryBodyBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxRetryBodyBytes: " + bytes + " (expected: >= 0)");
        }
        this.maxRetryBodyBytes = bytes;
        return this;
    }

    /**
     * Event loop threads shared by the listener and the upstream clients. Default: the system
     * property {@value #EVENT_LOOPS_PROPERTY} when set to a positive number, else available cores.
     */
    public GatewayBuilder eventLoopThreads(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("eventLoopThreads: " + threads + " (expected: > 0)");
        }
        this.eventLoopThreads = threads;
        return this;
    }

    /** Upstream connect timeout. Default 2000 ms. */
    public GatewayBuilder connectTimeoutMillis(long millis) {
        if (millis <= 0) {
            throw new IllegalArgumentException("connectTimeoutMillis: " + millis + " (expected: > 0)");
        }
        this.connectTimeoutMillis = millis;
        return this;
    }

    /** Wall clock for slow start (compared with {@code Endpoint.readySince}). Default UTC system clock. */
    public GatewayBuilder clock(Clock clock) {
        this.clock = requireNonNull(clock, "clock");
        return this;
    }

    /** Monotonic nanoseconds for ejections and the retry budget. Default {@link System#nanoTime()}. */
    public GatewayBuilder ticker(LongSupplier ticker) {
        this.ticker = requireNonNull(ticker, "ticker");
        return this;
    }

    /** Called with the Armeria server builder after the gateway configured it (TLS ports, SNI, redirects). */
    public GatewayBuilder serverCustomizer(Consumer<ServerBuilder> customizer) {
        this.serverCustomizer = this.serverCustomizer.andThen(requireNonNull(customizer, "customizer"));
        return this;
    }

    /**
     * Called once per completed request on an event loop; must be quick and must not block.
     * Repeatable: listeners are called in the order they were added.
     */
    public GatewayBuilder requestListener(Consumer<RequestSample> listener) {
        requireNonNull(listener, "listener");
        this.requestListener = requestListener == null ? listener : requestListener.andThen(listener);
        return this;
    }

    /**
     * Called when a routed request is about to go to an instance, on an event loop; must be quick
     * and must not block. The returned {@link Runnable} (may be null) runs exactly once when the
     * request ends: answered, failed, timed out or cut by the client. This is what lets the APM
     * tell how long the requests still under way have been running. Repeatable.
     */
    public GatewayBuilder requestStartListener(Function<RequestStart, Runnable> listener) {
        requireNonNull(listener, "listener");
        final Function<RequestStart, Runnable> prev = startListener;
        this.startListener = prev == null ? listener : s -> {
            final Runnable a = prev.apply(s);
            final Runnable b = listener.apply(s);
            return a == null ? b : b == null ? a : () -> {
                try {
                    a.run();
                } finally {
                    b.run();
                }
            };
        };
        return this;
    }

    public Gateway build() {
        return new Gateway(this);
    }
}

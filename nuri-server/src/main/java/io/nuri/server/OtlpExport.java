package io.nuri.server;

import io.nuri.apm.ApmHub;
import io.nuri.apm.ApmSummary;
import io.nuri.gateway.RequestSample;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableDoubleMeasurement;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * OTLP/HTTP export (docs/apm.md, "OTLP"): one span per gateway exchange and the APM's figures as
 * metrics, sent to {@code <endpoint>/v1/traces} and {@code <endpoint>/v1/metrics} with the
 * OpenTelemetry SDK's exporters (JDK HttpClient sender, protobuf).
 *
 * <p>Why spans are not made with a Tracer: the span id is the one the gateway already sent
 * upstream in traceparent, and each span's service is its app, while an SDK tracer provider has
 * one id generator and one resource. So each exchange becomes a finished {@link GatewaySpan} handed
 * to the SDK's {@link BatchSpanProcessor}, which queues it (bounded: {@value #MAX_QUEUE} spans) and
 * exports in batches on its own thread; when the queue is full, as with a collector that is down
 * or slow, new spans are dropped. The caller (the APM's feed thread, off the gateway's event loops) only builds the span and offers it.
 */
final class OtlpExport implements Consumer<RequestSample>, AutoCloseable {
    static final int MAX_QUEUE = 4096;
    static final Duration METRIC_INTERVAL = Duration.ofSeconds(10);
    private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("io.nuri.gateway");
    @SuppressWarnings("deprecation")
    private static final InstrumentationLibraryInfo LIBRARY = InstrumentationLibraryInfo.create("io.nuri.gateway", null);

    static final AttributeKey<String> NURI_NAMESPACE = AttributeKey.stringKey("nuri.namespace");
    static final AttributeKey<String> NURI_APP = AttributeKey.stringKey("nuri.app");
    static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    static final AttributeKey<String> SERVICE_NAMESPACE = AttributeKey.stringKey("service.namespace");
    static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> INSTANCE = AttributeKey.stringKey("nuri.instance");
    static final AttributeKey<Long> REVISION = AttributeKey.longKey("nuri.revision");
    static final AttributeKey<Boolean> RETRIED = AttributeKey.booleanKey("nuri.retried");

    private final BatchSpanProcessor spans;
    private final SdkMeterProvider meters;
    private final DoubleHistogram duration;
    private final Map<String, Resource> resources = new ConcurrentHashMap<>();

    /** @param endpoint the collector's base URL, e.g. http://127.0.0.1:4318 */
    OtlpExport(String endpoint, ApmHub hub) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        OtlpHttpSpanExporter spanExporter = OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces")
                .setTimeout(Duration.ofSeconds(10)).build();
        this.spans = BatchSpanProcessor.builder(spanExporter).setMaxQueueSize(MAX_QUEUE).setMaxExportBatchSize(512)
                .setScheduleDelay(Duration.ofSeconds(1)).setExporterTimeout(Duration.ofSeconds(10))
                // The gateway records every request; the incoming sampled flag is passed on upstream, not applied here.
                .setExportUnsampledSpans(true).build();
        OtlpHttpMetricExporter metricExporter = OtlpHttpMetricExporter.builder().setEndpoint(base + "/v1/metrics")
                .setTimeout(Duration.ofSeconds(10)).build();
        this.meters = SdkMeterProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, "nuri"))))
                .registerMetricReader(PeriodicMetricReader.builder(metricExporter).setInterval(METRIC_INTERVAL).build())
                .build();
        Meter meter = meters.get("io.nuri.apm");
        this.duration = meter.histogramBuilder("http.server.request.duration").setUnit("s")
                .setDescription("Requests the gateway completed for a routed app: arrival until the response completed")
                .setExplicitBucketBoundariesAdvice(List.of(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0))
                .build();
        ObservableDoubleMeasurement tps = meter.gaugeBuilder("nuri.apm.tps").setUnit("{request}/s")
                .setDescription("Requests completed per second over the last 10 s").buildObserver();
        ObservableDoubleMeasurement apdex = meter.gaugeBuilder("nuri.apm.apdex").setUnit("1")
                .setDescription("APDEX over the last 10 s").buildObserver();
        ObservableDoubleMeasurement p95 = meter.gaugeBuilder("nuri.apm.p95").setUnit("s")
                .setDescription("95th percentile response time over the last 10 s").buildObserver();
        ObservableDoubleMeasurement errorRate = meter.gaugeBuilder("nuri.apm.error_rate").setUnit("1")
                .setDescription("Share of 5xx and unanswered requests over the last 10 s").buildObserver();
        ObservableLongMeasurement users = meter.gaugeBuilder("nuri.apm.active_users").ofLongs().setUnit("{user}")
                .setDescription("Distinct users in the last 5 minutes").buildObserver();
        ObservableLongMeasurement inFlight = meter.gaugeBuilder("nuri.apm.in_flight").ofLongs().setUnit("{request}")
                .setDescription("Requests under way").buildObserver();
        meter.batchCallback(() -> {
            for (String key : hub.appKeys()) {
                int slash = key.indexOf('/');
                String ns = key.substring(0, slash);
                String app = key.substring(slash + 1);
                Attributes a = Attributes.of(NURI_NAMESPACE, ns, NURI_APP, app);
                ApmSummary s = hub.current(ns, app);
                tps.record(s.tps(), a);
                apdex.record(s.apdex(), a);
                p95.record(s.p95Ms() / 1000.0, a);
                errorRate.record(s.errorRate(), a);
                users.record(s.activeUsers(), a);
                inFlight.record(hub.inFlightByAge(ns, app).total(), a);
            }
        }, tps, apdex, p95, errorRate, users, inFlight);
    }

    /** The endpoint as the operator gave it, checked: an http or https URL with a host. */
    static String validate(String endpoint) {
        URI u;
        try {
            u = new URI(endpoint);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("must be an http:// or https:// URL, got \"" + endpoint + "\"");
        }
        if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
            throw new IllegalArgumentException("must be an http:// or https:// URL, got \"" + endpoint + "\"");
        }
        return endpoint;
    }

    /** Builds the span, offers it, records the duration. Never blocks. */
    @Override
    public void accept(RequestSample s) {
        if (s.app() == null) {
            return;
        }
        duration.record(s.durationNanos() / 1e9, Attributes.of(NURI_NAMESPACE, s.namespace(), NURI_APP, s.app(), STATUS,
                (long) s.status()));
        if (s.traceId() == null) {
            return;
        }
        long start = s.startEpochMicros() * 1000; // the sample may be recorded a little after the request ended
        long end = start + s.durationNanos();
        Resource resource = resources.computeIfAbsent(s.namespace() + "/" + s.app(), k -> Resource.getDefault()
                .merge(Resource.create(Attributes.of(SERVICE_NAME, s.app(), SERVICE_NAMESPACE, s.namespace(),
                        NURI_NAMESPACE, s.namespace(), NURI_APP, s.app()))));
        SpanContext parent = s.parentSpanId() == null ? SpanContext.getInvalid()
                : SpanContext.createFromRemoteParent(s.traceId(), s.parentSpanId(), TraceFlags.getSampled(), TraceState.getDefault());
        var attrs = Attributes.builder().put(METHOD, s.method()).put(PATH, s.path()).put(STATUS, (long) s.status())
                .put(CLIENT, s.clientAddress()).put(RETRIED, s.retried());
        if (s.routePrefix() != null) {
            attrs.put(ROUTE, s.routePrefix());
        }
        if (s.instanceId() != null) {
            attrs.put(INSTANCE, s.instanceId()).put(REVISION, (long) s.revision());
        }
        boolean error = s.status() >= 500 || s.status() == 0;
        spans.onEnd(new GatewaySpan(s.method() + " " + (s.routePrefix() == null ? s.path() : s.routePrefix()),
                SpanContext.create(s.traceId(), s.spanId(), TraceFlags.getSampled(), TraceState.getDefault()), parent,
                error ? StatusData.error() : StatusData.unset(), start, end, attrs.build(), resource));
    }

    /** Sends what is queued, waiting at most {@code millis}. */
    void flush(long millis) {
        spans.forceFlush().join(millis, TimeUnit.MILLISECONDS);
        meters.forceFlush().join(millis, TimeUnit.MILLISECONDS);
    }

    /** Sends what is queued; gives up after 2 s each so a down collector does not hold the server's stop. */
    @Override
    public void close() {
        spans.shutdown().join(2, TimeUnit.SECONDS);
        meters.shutdown().join(2, TimeUnit.SECONDS);
    }

    /** A finished server span of one exchange: both the processor's view (ReadableSpan) and the exporter's (SpanData). */
    record GatewaySpan(String name, SpanContext spanContext, SpanContext parentSpanContext, StatusData status,
            long startEpochNanos, long endEpochNanos, Attributes attributes, Resource resource)
            implements ReadableSpan, SpanData {
        @Override
        public String getName() {
            return name;
        }

        @Override
        public SpanKind getKind() {
            return SpanKind.SERVER;
        }

        @Override
        public SpanContext getSpanContext() {
            return spanContext;
        }

        @Override
        public SpanContext getParentSpanContext() {
            return parentSpanContext;
        }

        @Override
        public StatusData getStatus() {
            return status;
        }

        @Override
        public long getStartEpochNanos() {
            return startEpochNanos;
        }

        @Override
        public Attributes getAttributes() {
            return attributes;
        }

        @Override
        public List<EventData> getEvents() {
            return List.of();
        }

        @Override
        public List<LinkData> getLinks() {
            return List.of();
        }

        @Override
        public long getEndEpochNanos() {
            return endEpochNanos;
        }

        @Override
        public boolean hasEnded() {
            return true;
        }

        @Override
        public int getTotalRecordedEvents() {
            return 0;
        }

        @Override
        public int getTotalRecordedLinks() {
            return 0;
        }

        @Override
        public int getTotalAttributeCount() {
            return attributes.size();
        }

        @Override
        @Deprecated
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
            return LIBRARY;
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return SCOPE;
        }

        @Override
        public Resource getResource() {
            return resource;
        }

        @Override
        public SpanData toSpanData() {
            return this;
        }

        @Override
        public long getLatencyNanos() {
            return endEpochNanos - startEpochNanos;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T getAttribute(AttributeKey<T> key) {
            return attributes.get(key);
        }
    }
}

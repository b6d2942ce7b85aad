package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing between services with real processes: app {@code front} calls app {@code back} through
 * the gateway (sample-app's /call). The service map shows the edge, the trace API both spans with
 * the parent link, and an OTLP/HTTP receiver (a real Armeria server decoding the protocol's
 * protobuf) gets the spans of both apps and the APM's metrics.
 */
class TracingE2ETest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String CLIENT_SPAN = "b7ad6b7169203331";
    /** examples/: front and back in tracing.yaml (readiness probes only: no liveness probe to kill a slow JVM start). */
    static final Path EXAMPLES = ServerProcess.SAMPLE_JAR.getParent().getParent().getParent();

    @TempDir
    Path tmp;

    final List<ResourceSpans> spans = new CopyOnWriteArrayList<>();
    final List<ResourceMetrics> metrics = new CopyOnWriteArrayList<>();
    Server receiver;

    @AfterEach
    void stopReceiver() {
        if (receiver != null) {
            receiver.stop().join();
        }
    }

    @Test
    void frontCallingBackThroughTheGatewayIsTracedMappedAndExported() throws Exception {
        receiver = Server.builder().http(new InetSocketAddress("127.0.0.1", 0))
                .service("/v1/traces", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(r -> {
                    try {
                        spans.addAll(ExportTraceServiceRequest.parseFrom(r.content().array()).getResourceSpansList());
                    } catch (Exception e) {
                        return HttpResponse.of(HttpStatus.BAD_REQUEST);
                    }
                    return HttpResponse.of(HttpStatus.OK, MediaType.PROTOBUF,
                            ExportTraceServiceResponse.getDefaultInstance().toByteArray());
                })))
                .service("/v1/metrics", (ctx, req) -> HttpResponse.of(req.aggregate().thenApply(r -> {
                    try {
                        metrics.addAll(ExportMetricsServiceRequest.parseFrom(r.content().array()).getResourceMetricsList());
                    } catch (Exception e) {
                        return HttpResponse.of(HttpStatus.BAD_REQUEST);
                    }
                    return HttpResponse.of(HttpStatus.OK, MediaType.PROTOBUF,
                            ExportMetricsServiceResponse.getDefaultInstance().toByteArray());
                })))
                .build();
        receiver.start().join();
        String otlp = "http://127.0.0.1:" + receiver.activeLocalPort();

        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"), "--otlp-endpoint", otlp)) {
            ServerProcess.CliResult applied = server.nuri("apply", "-f", EXAMPLES.resolve("tracing.yaml").toString());
            assertThat(applied.code()).as("apply examples/tracing.yaml: %s", applied).isZero();
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> server.readyInstances("front").size() == 1
                        && server.readyInstances("back").size() == 1);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("apps not ready; server log:\n" + server.log(), e);
            }
            String gw = server.gatewayUrl();
            String call = gw + "/front/call?to=" + URLEncoder.encode(gw + "/back/work?ms=5", StandardCharsets.UTF_8);

            String frontChild;
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                // One request continues the client's trace; five start their own at the gateway.
                var traced = http.send(HttpRequest.newBuilder(URI.create(call))
                        .header("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01").build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(traced.statusCode()).as(traced.body()).isEqualTo(200);
                assertThat(traced.body()).contains("worked ms=5");
                // front's own child span, which it sent to the gateway as the parent of the call to back
                frontChild = traced.body().replaceFirst("(?s).*traceparent=00-" + TRACE + "-([0-9a-f]{16})-01.*", "$1");
                assertThat(frontChild).matches("[0-9a-f]{16}");
                for (int i = 0; i < 5; i++) {
                    var r = http.send(HttpRequest.newBuilder(URI.create(call)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
                var refused = http.send(HttpRequest.newBuilder(URI.create(gw + "/front/call?to=http://10.1.2.3/")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(refused.statusCode()).isEqualTo(400);
            }

            // The service map: one edge front -> back with the six calls; both apps are nodes.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode map = server.http("GET", "/api/v1/apm/servicemap?seconds=300", null, server.token()).json();
                assertThat(map.path("edges")).hasSize(1);
                JsonNode e = map.path("edges").get(0);
                assertThat(e.path("from").asText()).isEqualTo("default/front");
                assertThat(e.path("to").asText()).isEqualTo("default/back");
                assertThat(e.path("requests").asLong()).isEqualTo(6);
                assertThat(e.path("errors").asLong()).isZero();
                assertThat(e.path("avgMs").asDouble()).isGreaterThanOrEqualTo(5.0);
                assertThat(e.path("p95Ms").asDouble()).isGreaterThanOrEqualTo(5.0);
                assertThat(map.path("nodes")).extracting(n -> n.path("app").asText()).contains("front", "back");
            });
            assertThat(server.http("GET", "/api/v1/apm/servicemap", null, null).status()).isEqualTo(401);
            assertThat(server.http("GET", "/api/v1/apm/servicemap?seconds=0", null, server.token()).status()).isEqualTo(400);

            // The trace: front's span (child of the client's), then back's under it.
            JsonNode trace = server.http("GET", "/api/v1/apm/traces/" + TRACE, null, server.token()).json();
            JsonNode s = trace.path("spans");
            assertThat(s).hasSize(2);
            assertThat(s.get(0).path("app").asText()).isEqualTo("front");
            assertThat(s.get(0).path("parentSpanId").asText()).isEqualTo(CLIENT_SPAN);
            assertThat(s.get(0).hasNonNull("parent")).isFalse();
            assertThat(s.get(1).path("app").asText()).isEqualTo("back");
            assertThat(s.get(1).path("path").asText()).isEqualTo("/back/work"); // as the client asked, before stripPrefix
            String frontSpan = s.get(0).path("spanId").asText();
            assertThat(s.get(1).path("parent").asText()).isEqualTo(frontSpan);
            assertThat(s.get(1).path("callerSpanId").asText()).isEqualTo(frontSpan);
            assertThat(s.get(1).path("parentSpanId").asText()).isEqualTo(frontChild);
            assertThat(server.http("GET", "/api/v1/apm/traces/" + "1".repeat(32), null, server.token()).status()).isEqualTo(404);
            assertThat(server.http("GET", "/api/v1/apm/traces/nope", null, server.token()).status()).isEqualTo(400);
            // The transaction list carries the trace id.
            JsonNode tx = server.http("GET", "/api/v1/namespaces/default/apps/back/transactions", null, server.token()).json();
            assertThat(tx.path("transactions")).anySatisfy(t -> assertThat(t.path("traceId").asText()).isEqualTo(TRACE));

            // OTLP: both spans of the trace, each under its app's service name, with the same ids.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Span front = span("front");
                Span back = span("back");
                assertThat(front).isNotNull();
                assertThat(back).isNotNull();
                assertThat(hex(front.getSpanId().toByteArray())).isEqualTo(frontSpan);
                assertThat(hex(front.getParentSpanId().toByteArray())).isEqualTo(CLIENT_SPAN);
                assertThat(hex(back.getParentSpanId().toByteArray())).isEqualTo(frontChild);
                assertThat(back.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
                assertThat(back.getEndTimeUnixNano()).isGreaterThan(back.getStartTimeUnixNano());
            });
            console(server, frontSpan);

            // ... and the APM's metrics, read every 10 s.
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(metricNames()).contains("http.server.request.duration", "nuri.apm.tps", "nuri.apm.apdex",
                        "nuri.apm.in_flight");
                assertThat(gaugeApps("nuri.apm.tps")).contains("front", "back");
            });
        }
    }

    /** The console in Chromium: the service map on the overview and the trace view (screenshots for docs/screenshots). */
    private static void console(ServerProcess server, String frontSpan) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        if (!java.nio.file.Files.isExecutable(chromium)) {
            System.out.println("no /usr/bin/chromium: console part skipped");
            return;
        }
        Path shots = Path.of("target", "screenshots");
        java.nio.file.Files.createDirectories(shots);
        try (Playwright pw = Playwright.create(new Playwright.CreateOptions().setEnv(java.util.Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
                Browser browser = pw.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(chromium).setHeadless(true)
                        .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking")))) {
            BrowserContext context = browser.newContext(new Browser.NewContextOptions().setLocale("en-US").setViewportSize(1400, 1000));
            context.setDefaultTimeout(30_000);
            Page page = context.newPage();
            page.navigate(server.url() + "/#token=" + server.token());
            page.locator("#overview table").waitFor();
            await().atMost(Duration.ofSeconds(15)).until(() -> ((Number) page.evaluate(
                    "() => echarts.getInstanceByDom(document.getElementById('servicemap')).getOption().series[0].links.length")).intValue() == 1);
            assertThat(page.evaluate("() => echarts.getInstanceByDom(document.getElementById('servicemap')).getOption().series[0].links[0].text"))
                    .asString().startsWith("6 · ");
            page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("console-servicemap.png")).setFullPage(true));

            page.navigate(server.url() + "/#/trace/" + TRACE);
            page.locator(".span-row").nth(1).waitFor();
            assertThat(page.locator(".span-row").count()).isEqualTo(2);
            assertThat(page.locator(".span-row").nth(0).getAttribute("data-span")).isEqualTo(frontSpan);
            assertThat(page.locator(".span-row").nth(1).getAttribute("data-parent")).isEqualTo(frontSpan);
            assertThat(page.locator(".span-row").nth(1).textContent()).contains("back").contains("/back/work");
            page.screenshot(new Page.ScreenshotOptions().setPath(shots.resolve("console-trace.png")));
            context.close();
        }
    }

    /** The exported span of {@link #TRACE} whose resource is the app's service. */
    private Span span(String app) {
        for (ResourceSpans rs : spans) {
            if (!app.equals(attr(rs.getResource(), "service.name")) || !"default".equals(attr(rs.getResource(), "nuri.namespace"))) {
                continue;
            }
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span sp : ss.getSpansList()) {
                    if (hex(sp.getTraceId().toByteArray()).equals(TRACE)) {
                        return sp;
                    }
                }
            }
        }
        return null;
    }

    private List<String> metricNames() {
        List<String> names = new java.util.ArrayList<>();
        for (ResourceMetrics rm : metrics) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    names.add(m.getName());
                }
            }
        }
        return names;
    }

    /** The nuri.app attribute of every point of a gauge received. */
    private List<String> gaugeApps(String name) {
        List<String> apps = new java.util.ArrayList<>();
        for (ResourceMetrics rm : metrics) {
            for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                for (Metric m : sm.getMetricsList()) {
                    if (m.getName().equals(name)) {
                        m.getGauge().getDataPointsList().forEach(p -> p.getAttributesList().stream()
                                .filter(kv -> kv.getKey().equals("nuri.app")).forEach(kv -> apps.add(kv.getValue().getStringValue())));
                    }
                }
            }
        }
        return apps;
    }

    private static String attr(Resource r, String key) {
        for (KeyValue kv : r.getAttributesList()) {
            if (kv.getKey().equals(key)) {
                return kv.getValue().getStringValue();
            }
        }
        return null;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}

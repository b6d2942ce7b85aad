package io.nuri.sample;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sample service the examples and tests deploy. JDK only, so it starts in well under a
 * second. Listens on {@code $PORT} (default 8080) on {@code $BIND} (default 127.0.0.1).
 *
 * <pre>
 * /              "sample-app instance=ID version=V"
 * /health        200 "ok" (or never answers after /hang)
 * /version       the value of APP_VERSION (default v1)
 * /work?ms=N&cpu=N  sleep N ms, then burn N ms of CPU
 * /crash         exits with code 1
 * /hang          stops answering /health (the request hangs)
 * /fail?rate=R   answers 500 with probability R (0..1), else 200
 * /call?to=URL   calls URL (http on 127.0.0.0/8 only, e.g. another app through the gateway) with a
 *                W3C traceparent for a new child span of the incoming trace; answers with the
 *                callee's status, the traceparent it sent and the callee's body
 * </pre>
 *
 * <p>{@code FAIL_RATE} (0..1, default 0) makes {@code /} answer 500 with that probability: a
 * "bad build" for canary tests and demos.
 */
public final class SampleApp {
    private final String instanceId = env("NURI_INSTANCE_ID", "local");
    private final String version = env("APP_VERSION", "v1");
    private final double failRate = Double.parseDouble(env("FAIL_RATE", "0"));
    private final AtomicBoolean hung = new AtomicBoolean();
    private final AtomicLong served = new AtomicLong();

    public static void main(String[] args) throws IOException {
        new SampleApp().start(Integer.parseInt(env("PORT", "8080")), env("BIND", "127.0.0.1"));
    }

    private void start(int port, String bind) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(bind), port), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::root);
        server.createContext("/health", this::health);
        server.createContext("/version", ex -> reply(ex, 200, version));
        server.createContext("/work", this::work);
        server.createContext("/crash", this::crash);
        server.createContext("/hang", ex -> {
            hung.set(true);
            reply(ex, 200, "health checks will hang from now on");
        });
        server.createContext("/fail", this::fail);
        server.createContext("/call", this::call);
        server.createContext("/log", ex -> {
            // writes one line to stdout (the instance log), for log search tests and demos
            String line = query(ex.getRequestURI()).getOrDefault("line", "hello");
            System.out.println("sample-app " + instanceId + " log: " + line);
            reply(ex, 200, "logged");
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("sample-app " + instanceId + " stopping after " + served.get() + " requests");
            server.stop(0);
        }));
        server.start();
        System.out.println("sample-app " + instanceId + " version " + version + " listening on " + bind + ":" + port);
    }

    private void root(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            reply(ex, 404, "not found: " + ex.getRequestURI().getPath());
            return;
        }
        if (failRate > 0 && ThreadLocalRandom.current().nextDouble() < failRate) {
            reply(ex, 500, "sample-app instance=" + instanceId + " version=" + version + " failed (FAIL_RATE " + failRate + ")");
            return;
        }
        reply(ex, 200, "sample-app instance=" + instanceId + " version=" + version);
    }

    private void health(HttpExchange ex) throws IOException {
        if (hung.get()) {
            try {
                Thread.sleep(Long.MAX_VALUE); // a hung app: accepts the connection, never answers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        reply(ex, 200, "ok");
    }

    private void work(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI());
        long sleepMs = parseLong(q.get("ms"));
        long cpuMs = parseLong(q.get("cpu"));
        try {
            if (sleepMs > 0) {
                Thread.sleep(sleepMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long until = System.nanoTime() + cpuMs * 1_000_000;
        long x = 0;
        while (System.nanoTime() < until) {
            x += Long.numberOfTrailingZeros(x + System.nanoTime());
        }
        reply(ex, 200, "worked ms=" + sleepMs + " cpu=" + cpuMs + " instance=" + instanceId + (x == 42 ? "" : ""));
    }

    private void crash(HttpExchange ex) throws IOException {
        reply(ex, 200, "crashing");
        System.out.println("sample-app " + instanceId + " crashing on request");
        Runtime.getRuntime().halt(1);
    }

    private void fail(HttpExchange ex) throws IOException {
        String rate = query(ex.getRequestURI()).getOrDefault("rate", "0.5");
        double r;
        try {
            r = Double.parseDouble(rate);
        } catch (NumberFormatException e) {
            reply(ex, 400, "rate must be a number between 0 and 1, got " + rate);
            return;
        }
        if (ThreadLocalRandom.current().nextDouble() < r) {
            reply(ex, 500, "failed on purpose (rate " + r + ")");
        } else {
            reply(ex, 200, "ok");
        }
    }

    /**
     * What an instrumented app does when it calls another service: continue the incoming trace
     * (or start one) with a span of its own as the parent, and pass tracestate on unchanged, as
     * the W3C Trace Context spec asks. Only loopback targets: the sample must not become an open
     * proxy to the rest of the network.
     */
    private void call(HttpExchange ex) throws IOException {
        String to = query(ex.getRequestURI()).get("to");
        URI target;
        try {
            target = to == null ? null : new URI(to);
        } catch (java.net.URISyntaxException e) {
            target = null;
        }
        if (target == null || !"http".equals(target.getScheme()) || target.getHost() == null
                || !loopbackLiteral(target.getHost())) {
            reply(ex, 400, "to: must be an http URL on 127.0.0.0/8, got " + to);
            return;
        }
        String incoming = ex.getRequestHeaders().getFirst("traceparent");
        String traceparent;
        if (incoming != null && incoming.matches("[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
                && !incoming.startsWith("ff") && !incoming.substring(3, 35).equals("0".repeat(32))) {
            traceparent = "00-" + incoming.substring(3, 35) + "-" + randomHex(1) + "-" + incoming.substring(53, 55);
        } else {
            traceparent = "00-" + randomHex(2) + "-" + randomHex(1) + "-01";
        }
        java.net.http.HttpRequest.Builder req = java.net.http.HttpRequest.newBuilder(target)
                .timeout(java.time.Duration.ofSeconds(10)).header("traceparent", traceparent);
        String state = ex.getRequestHeaders().getFirst("tracestate");
        if (state != null && !state.isBlank()) {
            req.header("tracestate", state);
        }
        try {
            java.net.http.HttpResponse<String> res = CLIENT.send(req.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            reply(ex, res.statusCode(), "called " + target + " status=" + res.statusCode() + " traceparent=" + traceparent
                    + "\n" + res.body().strip());
        } catch (IOException e) {
            reply(ex, 502, "call to " + target + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            reply(ex, 503, "interrupted");
        }
    }

    /** An IPv4 literal in 127.0.0.0/8: no name, so no DNS answer can point it elsewhere. */
    static boolean loopbackLiteral(String host) {
        String[] octets = host.split("\\.", -1);
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (String o : octets) {
            if (!o.matches("\\d{1,3}") || Integer.parseInt(o) > 255) {
                return false;
            }
        }
        return true;
    }

    private static final java.net.http.HttpClient CLIENT = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(java.time.Duration.ofSeconds(5)).build();

    /** {@code longs} random non-zero 64-bit words as 16 lowercase hex digits each. */
    private static String randomHex(int longs) {
        StringBuilder sb = new StringBuilder(16 * longs);
        for (int i = 0; i < longs; i++) {
            long v;
            do {
                v = ThreadLocalRandom.current().nextLong();
            } while (v == 0);
            sb.append(String.format("%016x", v));
        }
        return sb.toString();
    }

    private void reply(HttpExchange ex, int status, String body) throws IOException {
        served.incrementAndGet();
        byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.getResponseHeaders().set("X-Instance-Id", instanceId);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> q = new HashMap<>();
        String raw = uri.getRawQuery();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static long parseLong(String s) {
        if (s == null) {
            return 0;
        }
        try {
            return Math.max(0, Math.min(Long.parseLong(s), 600_000));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}

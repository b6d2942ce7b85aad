package io.nuri.alerts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.store.AlertRecord;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts fire/resolve notices to webhooks, Pinpoint-style: a JSON body, signed with HMAC-SHA256
 * in {@code X-Nuri-Signature: sha256=<hex>} when the rule names a secret. {@link #send} only
 * queues: deliveries run on the JDK client's threads and one scheduler thread for the waits
 * between attempts, so a slow or dead receiver never holds up evaluation.
 *
 * <p>Retries: on a connection error, a timeout, 429 or 5xx, up to {@code maxAttempts} in all,
 * waiting {@code firstBackoff} and doubling (0.5 s, 1 s, 2 s, 4 s by default: a receiver that is
 * back within ~8 s gets the notice). Other statuses are final. A delivery that fails for good
 * becomes a Warning event {@code AlertNotifyFailed} in the platform event log. At most
 * {@code maxQueued} deliveries wait at once; beyond that a notice is dropped, with the same event.
 */
public final class WebhookNotifier implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookNotifier.class);
    public static final String SIGNATURE_HEADER = "X-Nuri-Signature";
    public static final String EVENT_HEADER = "X-Nuri-Event";
    public static final String DELIVERY_HEADER = "X-Nuri-Delivery";

    private final HttpClient client;
    private final ScheduledExecutorService timer;
    private final Function<String, String> env;
    private final Consumer<Event> failures;
    private final int maxAttempts;
    private final Duration firstBackoff;
    private final int maxQueued;
    private final AtomicInteger queued = new AtomicInteger();

    /**
     * @param env the server's environment ({@code System::getenv}); where {@code secretEnv} is looked up
     * @param failures where a delivery that failed for good is reported (the event log)
     */
    public WebhookNotifier(Function<String, String> env, Consumer<Event> failures, int maxAttempts,
            Duration firstBackoff, int maxQueued) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
        this.env = Objects.requireNonNull(env, "env");
        this.failures = Objects.requireNonNull(failures, "failures");
        this.maxAttempts = maxAttempts;
        this.firstBackoff = Objects.requireNonNull(firstBackoff, "firstBackoff");
        this.maxQueued = maxQueued;
        // HTTP/1.1: the JDK's h2c upgrade on plain http has ended in "EOF reached" against some servers.
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nuri-webhook-retry");
            t.setDaemon(true);
            return t;
        });
    }

    public WebhookNotifier(Function<String, String> env, Consumer<Event> failures) {
        this(env, failures, 5, Duration.ofMillis(500), 1000);
    }

    /** The body a webhook receives for one transition ("firing" or "resolved"). */
    public static byte[] payload(AlertRecord a, String status) {
        ObjectNode alert = Json.MAPPER.createObjectNode();
        alert.put("id", a.id());
        alert.put("rule", a.rule());
        alert.put("severity", a.severity());
        alert.put("namespace", a.namespace());
        alert.put("app", a.app());
        alert.put("instance", a.instance());
        alert.put("state", a.state());
        alert.put("since", a.since() == null ? null : a.since().toString());
        alert.put("resolvedAt", a.resolvedAt() == null ? null : a.resolvedAt().toString());
        alert.put("summary", a.summary());
        alert.put("value", a.value());
        alert.put("metric", a.metric());
        alert.put("condition", a.condition());
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("kind", "AlertNotification");
        body.put("status", status);
        body.set("alert", alert);
        return Json.write(body).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code sha256=<lower-case hex of HMAC-SHA256(secret, body)>}. */
    public static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable: " + e, e);
        }
    }

    /** Queues one notice; returns at once. */
    public void send(Webhook hook, AlertRecord alert, String status) {
        String where = redacted(hook.url());
        if (queued.incrementAndGet() > maxQueued) {
            queued.decrementAndGet();
            fail(alert, status, where, "dropped: " + maxQueued + " notices are already waiting", 0);
            return;
        }
        byte[] body = payload(alert, status);
        String signature = null;
        if (hook.secretEnv() != null) {
            String secret = env.apply(hook.secretEnv());
            if (secret == null || secret.isEmpty()) {
                queued.decrementAndGet();
                // Never fall back to an unsigned body: the receiver asked for signed ones.
                fail(alert, status, where, "not sent: the server's environment variable " + hook.secretEnv()
                        + " (secretEnv) is not set", 0);
                return;
            }
            signature = signature(secret, body);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(hook.url()))
                .timeout(Duration.ofMillis(hook.timeoutMillis()))
                .header("Content-Type", "application/json")
                .header("User-Agent", "nuri-alerts")
                .header(EVENT_HEADER, status)
                .header(DELIVERY_HEADER, alert.id() + "-" + status)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signature != null) {
            req.header(SIGNATURE_HEADER, signature);
        }
        attempt(req.build(), alert, status, where, 1);
    }

    private void attempt(HttpRequest req, AlertRecord alert, String status, String where, int n) {
        client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            String problem;
            boolean retry;
            if (e != null) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                problem = cause instanceof IOException || cause instanceof java.net.http.HttpTimeoutException
                        ? cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage())
                        : cause.toString();
                retry = true;
            } else if (r.statusCode() / 100 == 2) {
                queued.decrementAndGet();
                log.debug("alert {} {} delivered to {} (attempt {})", alert.id(), status, where, n);
                return;
            } else {
                problem = "HTTP " + r.statusCode();
                retry = r.statusCode() == 429 || r.statusCode() / 100 == 5;
            }
            if (retry && n < maxAttempts && !timer.isShutdown()) {
                long wait = firstBackoff.toMillis() << (n - 1);
                log.info("alert {} {} to {}: {} (attempt {} of {}); retrying in {} ms", alert.id(), status, where,
                        problem, n, maxAttempts, wait);
                try {
                    timer.schedule(() -> attempt(req, alert, status, where, n + 1), wait, TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.RejectedExecutionException stopped) {
                    // closing: report what we have
                }
            }
            queued.decrementAndGet();
            fail(alert, status, where, problem, n);
        });
    }

    private void fail(AlertRecord alert, String status, String where, String problem, int attempts) {
        String message = "webhook " + where + ": " + status + " notice of alert " + alert.id() + " (" + alert.rule()
                + ") " + (attempts > 0 ? "failed after " + attempts + " attempt" + (attempts == 1 ? "" : "s") + ": " : "")
                + problem;
        log.warn(message);
        try {
            failures.accept(Event.warning(alert.namespace(), alert.app(), alert.instance(), "AlertNotifyFailed", message));
        } catch (RuntimeException e) {
            log.warn("cannot record the failed delivery: {}", e.toString());
        }
    }

    /** scheme://host:port/path: a query or user info may carry a token, so it is never shown. */
    static String redacted(String url) {
        URI u = URI.create(url);
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }

    /** Deliveries still waiting (queued, in flight or between attempts). */
    public int pending() {
        return queued.get();
    }

    @Override
    public void close() {
        timer.shutdownNow();
        client.shutdownNow();
    }
}

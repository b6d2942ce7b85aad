package io.nuri.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.store.AlertRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The notifier against a real HTTP receiver on 127.0.0.1 (the JDK's HttpServer). */
class WebhookNotifierTest {
    record Received(String path, String body, String signature, String event, String delivery, String contentType) {}

    static final AlertRecord ALERT = new AlertRecord("0a1b2c3d4e5f", "default/was-down/portal/portal-1", "was-down",
            "critical", "default", "portal", "portal-1", "instanceDown", "> 0", "firing",
            Instant.parse("2026-11-25T10:00:00Z"), Instant.parse("2026-11-25T10:00:00Z"), null,
            "Instance portal-1 of portal is down", 1.0);

    HttpServer receiver;
    final ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
    final Map<String, AtomicInteger> failuresLeft = new java.util.concurrent.ConcurrentHashMap<>();
    final List<Event> events = new CopyOnWriteArrayList<>();
    WebhookNotifier notifier;

    @BeforeEach
    void start() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // /flaky answers 500 as often as failuresLeft says, then 204; /gone always 404; /down always 503.
        receiver.createContext("/", x -> {
            String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = x.getRequestURI().getPath();
            received.add(new Received(path, body, x.getRequestHeaders().getFirst("X-Nuri-Signature"),
                    x.getRequestHeaders().getFirst("X-Nuri-Event"), x.getRequestHeaders().getFirst("X-Nuri-Delivery"),
                    x.getRequestHeaders().getFirst("Content-Type")));
            int status = switch (path) {
                case "/gone" -> 404;
                case "/down" -> 503;
                default -> failuresLeft.getOrDefault(path, new AtomicInteger()).getAndDecrement() > 0 ? 500 : 204;
            };
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        receiver.start();
        notifier = new WebhookNotifier(Map.of("HOOK_SECRET", "s3cr3t")::get, events::add, 4, Duration.ofMillis(50), 100);
    }

    @AfterEach
    void stop() {
        notifier.close();
        receiver.stop(0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    static String hmacHex(String secret, String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aNoticeIsASignedJsonPostRetriedAfterA500() throws Exception {
        failuresLeft.put("/flaky", new AtomicInteger(2));
        notifier.send(new Webhook(url("/flaky"), "HOOK_SECRET", 2000), ALERT, "firing");
        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 3 && notifier.pending() == 0);

        List<Received> all = List.copyOf(received);
        assertThat(all).extracting(Received::body).as("every attempt carries the same body").containsOnly(all.get(0).body());
        Received r = all.get(2);
        assertThat(r.contentType()).isEqualTo("application/json");
        assertThat(r.event()).isEqualTo("firing");
        assertThat(r.delivery()).isEqualTo("0a1b2c3d4e5f-firing");
        assertThat(r.signature()).isEqualTo("sha256=" + hmacHex("s3cr3t", r.body()));

        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.path("kind").asText()).isEqualTo("AlertNotification");
        assertThat(body.path("status").asText()).isEqualTo("firing");
        JsonNode a = body.path("alert");
        assertThat(a.path("id").asText()).isEqualTo("0a1b2c3d4e5f");
        assertThat(a.path("rule").asText()).isEqualTo("was-down");
        assertThat(a.path("severity").asText()).isEqualTo("critical");
        assertThat(a.path("namespace").asText()).isEqualTo("default");
        assertThat(a.path("app").asText()).isEqualTo("portal");
        assertThat(a.path("instance").asText()).isEqualTo("portal-1");
        assertThat(a.path("state").asText()).isEqualTo("firing");
        assertThat(a.path("since").asText()).isEqualTo("2026-11-25T10:00:00Z");
        assertThat(a.path("resolvedAt").isNull()).isTrue();
        assertThat(a.path("summary").asText()).isEqualTo("Instance portal-1 of portal is down");
        assertThat(a.path("value").asDouble()).isEqualTo(1.0);
        assertThat(events).as("delivered in the end: no failure event").isEmpty();
    }

    @Test
    void aReceiverThatStaysDownGetsBoundedAttemptsThenAFailureEvent() {
        notifier.send(new Webhook(url("/down?token=hidden"), null, 2000), ALERT, "resolved");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertThat(received).hasSize(4);
        assertThat(received).allMatch(r -> r.signature() == null, "no secretEnv: unsigned");
        Event e = events.getFirst();
        assertThat(e.type()).isEqualTo(Event.WARNING);
        assertThat(e.reason()).isEqualTo("AlertNotifyFailed");
        assertThat(e.app()).isEqualTo("portal");
        assertThat(e.message()).isEqualTo("webhook " + url("/down") + ": resolved notice of alert 0a1b2c3d4e5f (was-down)"
                + " failed after 4 attempts: HTTP 503").doesNotContain("hidden");
    }

    @Test
    void a404IsNotRetriedAndAMissingSecretSendsNothing() {
        notifier.send(new Webhook(url("/gone"), null, 2000), ALERT, "firing");
        notifier.send(new Webhook(url("/flaky"), "UNSET_SECRET", 2000), ALERT, "firing");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 2);
        assertThat(received).extracting(Received::path).containsExactly("/gone");
        assertThat(events).extracting(Event::message).containsExactlyInAnyOrder(
                "webhook " + url("/gone") + ": firing notice of alert 0a1b2c3d4e5f (was-down) failed after 1 attempt: HTTP 404",
                "webhook " + url("/flaky") + ": firing notice of alert 0a1b2c3d4e5f (was-down) not sent: the server's"
                        + " environment variable UNSET_SECRET (secretEnv) is not set");
    }

    @Test
    void aDeadPortIsAConnectionErrorRetriedLikeA5xx() throws Exception {
        int dead;
        try (var s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        notifier.send(new Webhook("http://127.0.0.1:" + dead + "/x", null, 1000), ALERT, "firing");
        // Had send waited for delivery, the 4 attempts' 3.5 s of backoff would have ended in the event already.
        assertThat(events).as("send only queues").isEmpty();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() == 1);
        assertThat(events.getFirst().message()).contains("failed after 4 attempts: ConnectException");
    }
}

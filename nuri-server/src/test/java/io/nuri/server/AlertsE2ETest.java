package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.nuri.api.codec.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerts end to end on a real platform process: a rule with a webhook to a receiver on
 * 127.0.0.1, an instance killed with SIGKILL, the signed firing and resolved notices, the API and
 * the CLI, and the alerts read back after the platform itself is killed and restarted.
 */
class AlertsE2ETest {
    static final String SECRET = "e2e-webhook-secret";

    record Notice(String signature, String body, JsonNode json) {
        String status() {
            return json.path("status").asText();
        }

        String rule() {
            return json.path("alert").path("rule").asText();
        }
    }

    @TempDir
    Path tmp;

    HttpServer receiver;
    final List<Notice> notices = new CopyOnWriteArrayList<>();
    final AtomicBoolean failNext = new AtomicBoolean();

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", x -> {
            byte[] body = x.getRequestBody().readAllBytes();
            // The first delivery is refused with a 500: the notifier must retry it.
            int status = failNext.getAndSet(false) ? 500 : 200;
            if (status == 200) {
                String text = new String(body, StandardCharsets.UTF_8);
                notices.add(new Notice(x.getRequestHeaders().getFirst("X-Nuri-Signature"), text, Json.MAPPER.readTree(text)));
            }
            x.sendResponseHeaders(status, -1);
            x.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    static String hmac(String body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
    }

    List<Notice> noticesOf(String rule, String status) {
        return notices.stream().filter(n -> n.rule().equals(rule) && n.status().equals(status)).toList();
    }

    @Test
    void aKilledInstanceFiresASignedWebhookThenResolvesAndAlertsOutliveAPlatformRestart() throws Exception {
        String hook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        Path spec = tmp.resolve("watched.yaml");
        // No liveness probe: on a loaded machine a tight one could kill the instance before the test does.
        Files.writeString(spec, TestApps.sample("watched").smallJvm().readinessEvery(0.5).yaml() + """
                ---
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: was-down}
                spec:
                  selector: {app: watched}
                  metric: instanceDown
                  condition: {op: ">", threshold: 0}
                  severity: critical
                  summary: "WAS {instance} of {app} terminated"
                  notify:
                    - webhook: {url: "%s", secretEnv: NURI_E2E_HOOK_SECRET, timeoutMillis: 2000}
                ---
                apiVersion: nuri.io/v1
                kind: AlertRule
                metadata: {name: too-few}
                spec:
                  selector: {app: watched}
                  metric: readyInstances
                  condition: {op: "<", threshold: 2}
                  forSeconds: 2
                  severity: warning
                  notify:
                    - webhook: {url: "%s", secretEnv: NURI_E2E_HOOK_SECRET, timeoutMillis: 10000}
                """.formatted(hook, hook));
        Path data = tmp.resolve("data");
        try (ServerProcess server = ServerProcess.start(data, Map.of("NURI_E2E_HOOK_SECRET", SECRET))) {
            try {
                scenario(server, spec);
            } catch (Throwable e) {
                String log = server.log();
                throw new AssertionError(e.getMessage() + "\nnotices: " + notices + "\nserver log (tail):\n"
                        + log.substring(Math.max(0, log.length() - 6000)), e);
            }
        }
    }

    private void scenario(ServerProcess server, Path spec) throws Exception {
        {
            ServerProcess.CliResult applied = server.nuri("apply", "-f", spec.toString());
            assertThat(applied.code()).as("%s", applied).isZero();
            assertThat(applied.out()).contains("app/watched created", "alertrule/was-down created",
                    "alertrule/too-few created");
            ServerProcess.CliResult rules = server.nuri("get", "alertrules");
            assertThat(rules.out()).contains("was-down", "instanceDown > 0", "too-few", "readyInstances < 2");

            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("watched").size() == 1);
            // One Ready instance of one: too-few (< 2) fires after 2 s and stays firing.
            await().atMost(Duration.ofSeconds(60)).until(() -> noticesOf("too-few", "firing").size() == 1);

            JsonNode victim = server.readyInstances("watched").getFirst();
            String id = victim.path("id").asText();
            failNext.set(true);
            ProcessHandle.of(victim.path("pid").asLong()).orElseThrow().destroyForcibly(); // kill -9
            await().atMost(Duration.ofSeconds(60)).until(() -> noticesOf("was-down", "firing").size() == 1);
            Notice fired = noticesOf("was-down", "firing").getFirst();
            assertThat(fired.signature()).isEqualTo(hmac(fired.body()));
            JsonNode alert = fired.json().path("alert");
            assertThat(alert.path("instance").asText()).isEqualTo(id);
            assertThat(alert.path("app").asText()).isEqualTo("watched");
            assertThat(alert.path("severity").asText()).isEqualTo("critical");
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("summary").asText()).isEqualTo("WAS " + id + " of watched terminated");

            await().atMost(Duration.ofSeconds(60)).until(() -> noticesOf("was-down", "resolved").size() == 1);
            Notice resolved = noticesOf("was-down", "resolved").getFirst();
            assertThat(resolved.signature()).isEqualTo(hmac(resolved.body()));
            assertThat(resolved.json().path("alert").path("id").asText()).isEqualTo(alert.path("id").asText());
            assertThat(resolved.json().path("alert").path("resolvedAt").isTextual()).isTrue();
            assertThat(server.readyInstances("watched")).extracting(i -> i.path("id").asText()).containsExactly(id);

            JsonNode all = server.http("GET", "/api/v1/alerts?state=all&namespace=default&app=watched", null,
                    server.token()).json();
            assertThat(states(all)).containsExactly("too-few:firing", "was-down:resolved");
            JsonNode first = all.get(0);
            for (String field : List.of("id", "rule", "severity", "namespace", "app", "state", "since", "summary", "value")) {
                assertThat(first.has(field)).as(field).isTrue();
            }
            assertThat(first.has("resolvedAt")).isTrue();
            assertThat(first.has("instance")).isTrue();
            assertThat(server.http("GET", "/api/v1/alerts", null, null).status()).as("behind the token").isEqualTo(401);
            ServerProcess.HttpResult bad = server.http("GET", "/api/v1/alerts?state=open", null, server.token());
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("message").asText()).contains("state: must be firing, pending, resolved or all");
            ServerProcess.HttpResult invalid = server.http("POST", "/api/v1/alertrules?file=r.yaml",
                    "apiVersion: nuri.io/v1\nkind: AlertRule\nmetadata: {name: x}\nspec: {metric: tps, condition: {op: \"<\"}}\n",
                    server.token());
            assertThat(invalid.status()).isEqualTo(422);
            assertThat(invalid.json().path("details").get(0).path("path").asText()).isEqualTo("spec.condition.threshold");

            ServerProcess.CliResult cli = server.nuri("alerts", "-o", "json");
            assertThat(states(cli.json())).containsExactly("too-few:firing");
            ServerProcess.CliResult table = server.nuri("alerts", "--all");
            assertThat(table.out()).contains("SEVERITY", "too-few", "firing", "was-down", "resolved");
            assertThat(server.events("watched")).extracting(e -> e.path("reason").asText())
                    .contains("AlertFiring", "AlertResolved");

            // The platform dies; the alerts are in nuri.db: same ids, the firing one not announced twice.
            String tooFewId = first.path("id").asText();
            String tooFewSince = first.path("since").asText();
            server.kill9();
            server.launch();
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("watched").size() == 1);
            Thread.sleep(3000); // several evaluation passes after the restart
            JsonNode after = server.http("GET", "/api/v1/alerts?state=all", null, server.token()).json();
            assertThat(states(after)).containsExactly("too-few:firing", "was-down:resolved");
            assertThat(after.get(0).path("id").asText()).isEqualTo(tooFewId);
            assertThat(after.get(0).path("since").asText()).isEqualTo(tooFewSince);
            assertThat(noticesOf("too-few", "firing")).hasSize(1);

            // Deleting the rule resolves its alert.
            assertThat(server.nuri("delete", "alertrule", "too-few").code()).isZero();
            await().atMost(Duration.ofSeconds(10)).until(() -> states(server.http("GET", "/api/v1/alerts?state=all", null,
                    server.token()).json()).equals(List.of("too-few:resolved", "was-down:resolved")));
        }
    }

    static List<String> states(JsonNode alerts) {
        List<String> out = new ArrayList<>();
        alerts.forEach(a -> out.add(a.path("rule").asText() + ":" + a.path("state").asText()));
        return out;
    }
}

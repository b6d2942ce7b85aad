package io.nuri.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class LogsAndEventsTest extends CliTestSupport {
    private static final String LOGS = "/api/v1/namespaces/default/apps/portal/logs";

    /** Runs the CLI on its own thread, so a test can watch its output grow and interrupt it. */
    final class Background {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final AtomicInteger code = new AtomicInteger(-1);
        final Thread thread;

        Background(String... args) {
            thread = new Thread(() -> code.set(Nuri.run(args, new ByteArrayInputStream(new byte[0]),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                    env(), new TestClock())));
            thread.start();
        }

        String out() {
            return out.toString(StandardCharsets.UTF_8);
        }

        int join() throws InterruptedException {
            thread.join(10_000);
            assertThat(thread.isAlive()).isFalse();
            return code.get();
        }
    }

    @Test
    void logsPrintsThePlainText() {
        server.on("GET", LOGS, r -> new FakeServer.Response(200, "text/plain", "[portal-1] started\n[portal-2] started\n"));
        Result r = nuri("logs", "portal", "--tail", "20");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("[portal-1] started\n[portal-2] started\n");
        assertThat(server.only("GET", LOGS).query()).containsEntry("tail", "20").doesNotContainKeys("follow", "instance");
    }

    @Test
    void logsOfOneInstance() {
        server.on("GET", LOGS, r -> new FakeServer.Response(200, "text/plain", "started"));
        Result r = nuri("logs", "portal", "--instance", "portal-1");
        assertThat(r.out()).isEqualTo("started\n");
        assertThat(server.only("GET", LOGS).query()).containsEntry("instance", "portal-1").doesNotContainKey("tail");
    }

    @Test
    void logsOfAMissingApp() {
        Result r = nuri("logs", "portal");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"portal\" not found in namespace \"default\"\n");
    }

    @Test
    void followReadsTheEventStreamAsItArrives() throws Exception {
        CountDownLatch firstSeen = new CountDownLatch(1);
        server.onRaw("GET", LOGS, (req, ex) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream body = ex.getResponseBody();
            body.write(("event: log\ndata: {\"instance\":\"portal-3-a1b2\",\"line\":\"GET /health 200\"}\n\n"
                    + ": keep-alive\n\n").getBytes(StandardCharsets.UTF_8));
            body.flush();
            try {
                firstSeen.await(10, TimeUnit.SECONDS); // the CLI printed the first line before the stream went on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            body.write(("event: log\ndata: {\"instance\":\"portal-3-c3d4\",\"line\":\"ready on port 40002\"}\n\n"
                    + "event: ping\ndata: {}\n\n").getBytes(StandardCharsets.UTF_8));
            body.close();
        });
        Background cli = new Background("logs", "portal", "-f", "--tail", "5");
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.out().contains("GET /health 200"));
        firstSeen.countDown();
        assertThat(cli.join()).isZero();
        assertThat(cli.out()).isEqualTo("[portal-3-a1b2] GET /health 200\n[portal-3-c3d4] ready on port 40002\n");
        FakeServer.Request req = server.only("GET", LOGS);
        assertThat(req.query()).containsEntry("follow", "true").containsEntry("tail", "5");
        assertThat(req.header("Accept")).isEqualTo("text/event-stream");
        assertThat(req.header("Authorization")).isEqualTo("Bearer " + FakeServer.TOKEN);
    }

    @Test
    void followOfOneInstancePrintsBareLines() {
        server.onRaw("GET", LOGS, (req, ex) -> {
            ex.sendResponseHeaders(200, 0);
            try (OutputStream body = ex.getResponseBody()) {
                body.write("data: {\"instance\":\"portal-1\",\"line\":\"a\"}\n\ndata: {\"instance\":\"portal-1\",\"line\":\"b\"}\n"
                        .getBytes(StandardCharsets.UTF_8));
            }
        });
        Result r = nuri("logs", "portal", "--instance", "portal-1", "--follow");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("a\nb\n");
    }

    @Test
    void followOfAMissingApp() {
        Result r = nuri("logs", "portal", "-f");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("error: app \"portal\" not found in namespace \"default\"\n");
    }

    @Test
    void eventsTable() {
        server.on("GET", "/api/v1/events", 200, "[" + event(1, "portal", null, "Normal", "Created", "app created", 3700) + ","
                + event(2, "portal", "portal-3-a1b2", "Warning", "Unhealthy", "readiness probe failed: 503", 12) + "]");
        Result r = nuri("events");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("""
                LAST SEEN   TYPE      REASON      OBJECT                   MESSAGE
                61m         Normal    Created     app/portal               app created
                12s         Warning   Unhealthy   instance/portal-3-a1b2   readiness probe failed: 503
                """);
        assertThat(server.only("GET", "/api/v1/events").query()).containsEntry("namespace", "default")
                .containsEntry("limit", "100").doesNotContainKeys("app", "after");
    }

    @Test
    void eventsOfAnAppWithALimit() {
        server.on("GET", "/api/v1/events", 200, "[" + event(5, "portal", null, "Normal", "Scaled", "scaled 2->3", 10) + "]");
        Result r = nuri("events", "portal", "--limit", "5", "-o", "json");
        assertThat(r.out()).contains("\"reason\": \"Scaled\"");
        // a page of 5 asked for at least the default page size; fewer came back, so one request
        assertThat(server.only("GET", "/api/v1/events").query()).containsEntry("app", "portal").containsEntry("limit", "100");
    }

    @Test
    void eventsPagesForwardWhenPagesComeBackFullAndKeepsTheNewest() {
        server.on("GET", "/api/v1/events", req -> {
            long after = Long.parseLong(req.query().getOrDefault("after", "0"));
            int limit = Integer.parseInt(req.query().get("limit"));
            StringBuilder sb = new StringBuilder("[");
            for (long id = after + 1; id <= Math.min(after + limit, 250); id++) {
                sb.append(sb.length() == 1 ? "" : ",").append(event(id, "portal", null, "Normal", "Step", "step " + id, 10));
            }
            return FakeServer.Response.json(200, sb.append("]").toString());
        });
        Result r = nuri("events", "--limit", "3");
        assertThat(r.out().lines().toList()).hasSize(4).last().asString().endsWith("step 250");
        assertThat(server.requests).extracting(q -> q.query().get("after")).containsExactly(null, "100", "200");
    }

    @Test
    void watchPollsAfterTheLastIdAndPrintsNewRows() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        server.on("GET", "/api/v1/events", req -> {
            String after = req.query().get("after");
            if (after == null) {
                return FakeServer.Response.json(200, "[" + event(1, "portal", null, "Normal", "Created", "app created", 30) + "]");
            }
            if (after.equals("1") && polls.incrementAndGet() == 2) {
                return FakeServer.Response.json(200, "[" + event(2, "portal", "portal-9", "Warning", "Restarted", "exit code 1", 0) + "]");
            }
            return FakeServer.Response.json(200, "[]");
        });
        Background cli = new Background("events", "portal", "--watch");
        await().atMost(Duration.ofSeconds(10)).until(() -> cli.out().contains("exit code 1"));
        await().atMost(Duration.ofSeconds(10)).until(() -> server.requests.stream()
                .anyMatch(q -> "2".equals(q.query().get("after"))));
        cli.thread.interrupt();
        assertThat(cli.join()).isZero();
        List<String> lines = cli.out().lines().toList();
        assertThat(lines).containsExactly(
                "LAST SEEN   TYPE     REASON    OBJECT       MESSAGE",
                "30s         Normal   Created   app/portal   app created",
                lines.get(2));
        assertThat(lines.get(2)).matches("\\d+s +Warning +Restarted +instance/portal-9 +exit code 1");
    }

    @Test
    void watchRejectsStructuredOutput() {
        assertThat(nuri("events", "-w", "-o", "json").code()).isEqualTo(2);
    }
}

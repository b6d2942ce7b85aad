package io.nuri.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traffic through the real gateway to a real app: the app's own log lines and the gateway's
 * access log are found by text, regex and time over the API and with `nuri logs`; the metrics
 * API splits the requests by route and instance.
 */
class LogSearchE2ETest {
    @TempDir
    Path tmp;

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void send(HttpClient http, String url, String requestId) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (requestId != null) {
            b.header("X-Request-Id", requestId);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
    }

    @Test
    void appLogsAndAccessLogAreSearchableByTextRegexAndTime() throws Exception {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.apply(tmp.resolve("web.yaml"), TestApps.sample("web").replicas(2).route("/").yaml());
            await().atMost(Duration.ofSeconds(60)).until(() -> server.readyInstances("web").size() == 2);
            Set<String> ids = server.readyInstances("web").stream().map(i -> i.path("id").asText()).collect(Collectors.toSet());
            String token = server.token();
            String search = "/api/v1/namespaces/default/apps/web/logs/search?";
            long start = System.currentTimeMillis();
            long middle;
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                for (int i = 0; i < 10; i++) {
                    send(http, server.gatewayUrl() + "/log?line=order-" + i, null);
                }
                Thread.sleep(2500); // past the driver's 1 s index tick: the first half is marked before `middle`
                middle = System.currentTimeMillis();
                for (int i = 10; i < 20; i++) {
                    send(http, server.gatewayUrl() + "/log?line=order-" + i, i == 15 ? "req-e2e-15" : null);
                }
                for (int i = 0; i < 5; i++) {
                    send(http, server.gatewayUrl() + "/work?ms=1", null);
                }
            }

            // text: one line, from one of the app's instances, at revision 1, timed within the test
            JsonNode one = server.http("GET", search + "q=order-7", null, token).json();
            assertThat(one.path("lines")).hasSize(1);
            JsonNode hit = one.path("lines").get(0);
            assertThat(hit.path("line").asText()).endsWith("log: order-7");
            assertThat(ids).contains(hit.path("instance").asText());
            assertThat(hit.path("revision").asInt()).isEqualTo(1);
            long t = Instant.parse(hit.path("time").asText()).toEpochMilli();
            assertThat(t).isBetween(start - 1000, middle);
            assertThat(one.path("truncated").asBoolean()).isFalse();

            // regex over both instances, newest first
            JsonNode teens = server.http("GET", search + "regex=" + enc("order-1[0-9]$"), null, token).json();
            assertThat(texts(teens)).hasSize(10).allSatisfy(l -> assertThat(l).matches(".*order-1[0-9]$"));
            List<Instant> times = new ArrayList<>();
            teens.path("lines").forEach(l -> times.add(Instant.parse(l.path("time").asText())));
            assertThat(times).isSortedAccordingTo(java.util.Comparator.reverseOrder());

            // time: since the middle only the second half
            JsonNode late = server.http("GET", search + "q=order-&since=" + middle, null, token).json();
            assertThat(texts(late)).hasSize(10).allSatisfy(l -> assertThat(l).matches(".*order-1[0-9]$"));
            JsonNode early = server.http("GET", search + "q=order-&until=" + (middle - 1), null, token).json();
            assertThat(texts(early)).hasSize(10).allSatisfy(l -> assertThat(l).matches(".*order-[0-9]$"));

            // revision and instance narrow the files searched
            assertThat(server.http("GET", search + "q=order-&revision=1", null, token).json().path("lines")).hasSize(20);
            assertThat(server.http("GET", search + "q=order-&revision=2", null, token).json().path("lines")).isEmpty();
            JsonNode mine = server.http("GET", search + "q=order-&instance=" + hit.path("instance").asText(), null, token).json();
            assertThat(mine.path("lines")).isNotEmpty().hasSizeLessThan(20)
                    .allSatisfy(l -> assertThat(l.path("instance").asText()).isEqualTo(hit.path("instance").asText()));

            // bounds and errors
            JsonNode limited = server.http("GET", search + "q=order-&limit=3", null, token).json();
            assertThat(limited.path("lines")).hasSize(3);
            assertThat(limited.path("truncated").asBoolean()).isTrue();
            ServerProcess.HttpResult bad = server.http("GET", search + "regex=" + enc("order-("), null, token);
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().path("message").asText()).startsWith("regex:");
            assertThat(server.http("GET", search + "q=x&since=yesterday", null, token).json().path("message").asText())
                    .startsWith("since:");
            assertThat(server.http("GET", search + "q=x", null, null).status()).isEqualTo(401);
            assertThat(server.http("GET", "/api/v1/namespaces/default/apps/nope/logs/search?q=x", null, token).status())
                    .isEqualTo(404);

            // the access log: written off the event loop, so wait for it
            String access = search + "source=access&";
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    server.http("GET", access + "q=" + enc("\"path\":\"/log\""), null, token).json().path("lines").size() == 20);
            JsonNode byId = server.http("GET", access + "q=req-e2e-15", null, token).json();
            assertThat(byId.path("lines")).hasSize(1);
            JsonNode e = byId.path("lines").get(0).path("entry");
            assertThat(e.path("method").asText()).isEqualTo("GET");
            assertThat(e.path("path").asText()).isEqualTo("/log");
            assertThat(e.path("status").asInt()).isEqualTo(200);
            assertThat(e.path("bytes").asLong()).isEqualTo("logged\n".length());
            assertThat(e.path("durationMs").asDouble()).isPositive();
            assertThat(ids).contains(e.path("instance").asText());
            assertThat(e.path("revision").asInt()).isEqualTo(1);
            assertThat(e.path("client").asText()).isEqualTo("127.0.0.1");
            assertThat(e.path("requestId").asText()).isEqualTo("req-e2e-15");
            assertThat(Instant.parse(e.path("time").asText()).toEpochMilli()).isBetween(middle, System.currentTimeMillis());
            assertThat(byId.path("accessLogDropped").asLong()).isZero();
            JsonNode work = server.http("GET", access + "q=" + enc("\"path\":\"/work\"") + "&since=" + middle, null, token).json();
            assertThat(work.path("lines")).hasSize(5);
            assertThat(Files.exists(tmp.resolve("data/logs/default/web/access.log"))).isTrue();

            // per route and per instance
            JsonNode current = server.http("GET", "/api/v1/namespaces/default/apps/web/metrics?seconds=60", null, token)
                    .json().path("current");
            assertThat(current.path("routes")).hasSize(1);
            assertThat(current.path("routes").get(0).path("route").asText()).isEqualTo("/");
            assertThat(current.path("routes").get(0).path("requests").asLong()).isEqualTo(current.path("requests").asLong());
            long perInstance = 0;
            for (JsonNode row : current.path("byInstance")) {
                assertThat(ids).contains(row.path("instance").asText());
                perInstance += row.path("requests").asLong();
            }
            assertThat(perInstance).isEqualTo(current.path("requests").asLong());

            // the CLI
            ServerProcess.CliResult grep = server.nuri("logs", "web", "--grep", "order-7");
            assertThat(grep.code()).as(grep.err()).isZero();
            assertThat(grep.out().lines().toList()).hasSize(1).first().asString().contains("[").endsWith("log: order-7");
            ServerProcess.CliResult json = server.nuri("logs", "web", "--regex", "order-1[0-9]$", "--since", "10m", "-o", "json");
            assertThat(json.code()).as(json.err()).isZero();
            assertThat(json.json().path("lines")).hasSize(10);
            ServerProcess.CliResult chrono = server.nuri("logs", "web", "--grep", "order-", "--since", String.valueOf(middle));
            List<String> lines = chrono.out().lines().toList();
            assertThat(lines).hasSize(10);
            // printed oldest first, like a log (lines marked in the same tick share a time: order within it is open)
            assertThat(lines.stream().map(l -> l.substring(0, l.indexOf(' '))).toList())
                    .isSortedAccordingTo(java.util.Comparator.comparing(Instant::parse));
            assertThat(lines.stream().map(l -> l.substring(l.lastIndexOf(' ') + 1)).collect(Collectors.toSet()))
                    .hasSize(10).allSatisfy(l -> assertThat(l).matches("order-1[0-9]"));
            ServerProcess.CliResult acc = server.nuri("logs", "web", "--access", "--grep", "req-e2e-15");
            assertThat(acc.code()).as(acc.err()).isZero();
            assertThat(acc.out()).contains("\"requestId\":\"req-e2e-15\"");
            ServerProcess.CliResult badCli = server.nuri("logs", "web", "--regex", "order-(");
            assertThat(badCli.code()).isNotZero();
            assertThat(badCli.err()).contains("regex:");

            // the access log's tail, and following it: a request sent after the follow began arrives as an event
            ServerProcess.CliResult tailed = server.nuri("logs", "web", "--access", "--tail", "3");
            assertThat(tailed.code()).as(tailed.err()).isZero();
            assertThat(tailed.out().lines().toList()).hasSize(3).allSatisfy(l -> assertThat(l).startsWith("{\"time\":"));
            List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                HttpRequest follow = HttpRequest.newBuilder(URI.create(server.url()
                                + "/api/v1/namespaces/default/apps/web/logs/access?follow=true&tail=0"))
                        .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build();
                HttpResponse<java.util.stream.Stream<String>> r = http.sendAsync(follow, HttpResponse.BodyHandlers.ofLines())
                        .get(30, java.util.concurrent.TimeUnit.SECONDS); // the headers come at once, before any line
                assertThat(r.statusCode()).isEqualTo(200);
                Thread reader = Thread.ofVirtual().start(() -> r.body().forEach(events::add));
                try {
                    send(http, server.gatewayUrl() + "/log?line=followed", "req-followed");
                    await("the followed request's access-log line").atMost(Duration.ofSeconds(30))
                            .until(() -> events.stream().anyMatch(ev -> ev.startsWith("data:") && ev.contains("req-followed")));
                } finally {
                    reader.interrupt();
                    r.body().close();
                }
            }
        }
    }

    private static List<String> texts(JsonNode answer) {
        List<String> out = new ArrayList<>();
        answer.path("lines").forEach(l -> out.add(l.path("line").asText()));
        return out;
    }
}

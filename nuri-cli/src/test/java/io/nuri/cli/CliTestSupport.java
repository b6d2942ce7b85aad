package io.nuri.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link Nuri#run} against a {@link FakeServer} found through a data dir ({@code server.json}
 * + {@code admin.token}), never through the real environment or {@code ~/.nuri}.
 */
abstract class CliTestSupport {
    @TempDir
    Path dataDir;

    FakeServer server;

    record Result(int code, String out, String err) {}

    @BeforeEach
    void startServer() throws IOException {
        server = new FakeServer();
        writeDataDir(dataDir, server.url(), FakeServer.TOKEN);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    static void writeDataDir(Path dir, String url, String token) throws IOException {
        Files.writeString(dir.resolve("server.json"),
                "{\"url\":\"" + url + "\",\"pid\":1234,\"startedAt\":\"2026-11-24T22:00:00Z\",\"version\":\"0.1.0\"}");
        if (token != null) {
            Files.writeString(dir.resolve("admin.token"), token + "\n");
        }
    }

    Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("NURI_HOME", dataDir.toString());
        env.put("NURI_POLL_INTERVAL_MS", "20");
        return env;
    }

    Result nuri(String... args) {
        return nuri(env(), args);
    }

    static Result nuri(Map<String, String> env, String... args) {
        return nuriWithStdin(env, new ByteArrayInputStream(new byte[0]), args);
    }

    static Result nuriWithStdin(Map<String, String> env, InputStream in, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Clock clock = new TestClock();
        int code = Nuri.run(args, in, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env, clock);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * Reads {@link #NOW} on its first call and moves on in real time from there: ages come out
     * exact however slow a cold JVM is, and waits with deadlines still end.
     */
    static final class TestClock extends Clock {
        private long firstNanos = -1;

        @Override
        public synchronized Instant instant() {
            long t = System.nanoTime();
            if (firstNanos < 0) {
                firstNanos = t;
            }
            return NOW.plusNanos(t - firstNanos);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    /** "Now" for every age in these tests. */
    static final Instant NOW = Instant.parse("2026-11-24T22:00:00Z");

    static String ago(long seconds) {
        return NOW.minusSeconds(seconds).toString();
    }

    /** An AppStatus as docs/api.md describes it, with the full stored App in {@code spec}. */
    static String appStatus(String namespace, String name, int replicas, int ready, int revision, long ageSeconds) {
        return """
                {"name":"%2$s","namespace":"%1$s","replicas":%3$d,"readyReplicas":%4$d,"liveReplicas":%3$d,
                 "revision":%5$d,"generation":4,"version":9,"deleting":false,"createdAt":"%6$s",
                 "spec":{"apiVersion":"nuri.io/v1","kind":"App",
                   "metadata":{"name":"%2$s","namespace":"%1$s","labels":{"tier":"web","team":"portal"}},
                   "spec":{"run":{"jar":"/srv/apps/portal.jar","javaOpts":["-XX:TieredStopAtLevel=1","-Xss512k"]},
                     "env":{"APP_VERSION":"v1","DB_PASSWORD":"hunter2","API_KEY":"k-123","github_token":"ghp_abc",
                            "client_secret":"shh"},
                     "port":8080,"replicas":%3$d,
                     "probes":{"readiness":{"http":{"path":"/health"},"initialDelaySeconds":0,"periodSeconds":1.0,
                                            "timeoutSeconds":1.0,"failureThreshold":3,"successThreshold":1},
                               "liveness":{"tcp":{},"initialDelaySeconds":5,"periodSeconds":2.0,
                                           "timeoutSeconds":0.5,"failureThreshold":3,"successThreshold":1}},
                     "restartPolicy":"Always","resources":{"cpu":"500m","memory":"256Mi"},
                     "volumes":[{"name":"uploads"}]}}}
                """.formatted(namespace, name, replicas, ready, revision, ago(ageSeconds));
    }

    static String instance(String namespace, String app, String id, String state, long pid, int port, int restarts,
            long ageSeconds) {
        return """
                {"id":"%3$s","namespace":"%1$s","app":"%2$s","revision":3,"state":"%4$s","pid":%5$d,"port":%6$d,
                 "restarts":%7$d,"lastExitCode":137,"reason":"liveness probe failed","createdAt":"%8$s",
                 "startedAt":"%8$s","readyAt":"%9$s"}
                """.formatted(namespace, app, id, state, pid, port, restarts, ago(ageSeconds), ago(ageSeconds - 5));
    }

    static String event(long id, String app, String instance, String type, String reason, String message, long ageSeconds) {
        return """
                {"id":%d,"time":"%s","namespace":"default","app":"%s",%s"type":"%s","reason":"%s","message":"%s"}
                """.formatted(id, ago(ageSeconds), app, instance == null ? "" : "\"instance\":\"" + instance + "\",",
                type, reason, message);
    }
}

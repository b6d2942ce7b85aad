package io.nuri.runtime.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.nuri.api.spec.Probe;
import io.nuri.api.spec.Probes;
import io.nuri.api.spec.Resources;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.Ports;
import io.nuri.runtime.Prober.Kind;
import io.nuri.runtime.Prober.Listener;
import io.nuri.runtime.process.Instances;
import io.nuri.runtime.process.ProcessDriver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefaultProberTest {
    private static final Duration UP = Duration.ofSeconds(15);

    record Ev(String id, Kind kind, boolean passing, String detail) {}

    @TempDir
    Path dir;

    private ProcessDriver driver;
    private final DefaultProber prober = new DefaultProber(Map.of("PATH", System.getenv("PATH"), "NURI_TOKEN", "t"));
    private final List<Ev> events = new CopyOnWriteArrayList<>();
    private final Listener listener = (id, kind, passing, detail) -> events.add(new Ev(id, kind, passing, detail));

    @AfterEach
    void stopEverything() {
        prober.close();
        if (driver != null) {
            driver.close();
            Instances.killMarked(driver.ownerId());
        }
    }

    private InstanceHandle sampleApp(String id) throws Exception {
        if (driver == null) {
            driver = ProcessDriver.builder().dataDir(dir.resolve("data")).sampleInterval(Duration.ofMillis(200)).build();
        }
        InstanceHandle h = driver.start(Instances.sampleApp(id, dir.resolve("logs"), Resources.NONE, Map.of()));
        // probes are watched once the app is up: a liveness probe on a starting JVM fails, as it should
        await().atMost(UP).until(() -> Instances.get(h.port(), "/health") == 200);
        return h;
    }

    private static Probe http(String path, int failures) {
        return new Probe(new Probe.Http(path), null, null, 0, 0.2, 0.3, failures, 1);
    }

    private static Probe tcp(int failures) {
        return new Probe(null, new Probe.Tcp(), null, 0, 0.2, 0.3, failures, 1);
    }

    private static Probe exec(String... argv) {
        return new Probe(null, null, new Probe.Exec(List.of(argv)), 0, 0.2, 0.3, 1, 1);
    }

    @Test
    void readinessPassesOnceTheAppAnswersHealth() throws Exception {
        InstanceHandle h = sampleApp("p-1");
        prober.watch("p-1", "127.0.0.1", h.port(), new Probes(null, http("/health", 10), null), Map.of(), listener);

        await().atMost(UP).until(() -> !events.isEmpty());
        Thread.sleep(600); // more passing results are not reported again
        assertThat(events).containsExactly(new Ev("p-1", Kind.READINESS, true, "HTTP 200 from /health"));
    }

    @Test
    void anUnsettledReadinessProbeIsRetriedQuicklyButOnlyRegularRunsCountAsFailures() throws Exception {
        int port = Ports.freeLocalPort();
        Probe slow = new Probe(null, new Probe.Tcp(), null, 0, 5, 0.3, 2, 1); // period 5 s
        long t0 = System.nanoTime();
        prober.watch("q-1", "127.0.0.1", port, new Probes(null, slow, null), Map.of(), listener);
        Thread.sleep(1500); // quick retries fail meanwhile: none of them may count toward the 2 failures
        assertThat(events).isEmpty();
        try (var server = new java.net.ServerSocket(port, 50, java.net.InetAddress.getLoopbackAddress())) {
            await().atMost(Duration.ofSeconds(4)).until(() -> !events.isEmpty());
            assertThat(events).containsExactly(new Ev("q-1", Kind.READINESS, true, events.get(0).detail()));
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("well before the 5 s period").isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aHungAppFailsLivenessAfterTheThresholdAndReadinessToo() throws Exception {
        InstanceHandle h = sampleApp("p-2");
        prober.watch("p-2", "127.0.0.1", h.port(), new Probes(null, http("/health", 2), http("/health", 3)), Map.of(),
                listener);
        await().atMost(UP).until(() -> events.contains(new Ev("p-2", Kind.READINESS, true, "HTTP 200 from /health")));
        assertThat(events).noneMatch(e -> e.kind() == Kind.LIVENESS);

        assertThat(Instances.get(h.port(), "/hang")).isEqualTo(200);

        await().atMost(UP).until(() -> events.contains(new Ev("p-2", Kind.LIVENESS, false, "timeout after 0.3 s")));
        assertThat(events).contains(new Ev("p-2", Kind.READINESS, false, "timeout after 0.3 s"));
        // readiness (threshold 2) gave up before liveness (threshold 3)
        assertThat(events.stream().map(Ev::kind).toList()).containsSubsequence(Kind.READINESS, Kind.READINESS,
                Kind.LIVENESS);
    }

    @Test
    void aFailingStartupProbeIsReportedOnceAndNothingElseRuns() throws Exception {
        int closedPort = Ports.freeLocalPort();
        prober.watch("p-3", "127.0.0.1", closedPort, new Probes(tcp(3), tcp(1), tcp(1)), Map.of(), listener);

        await().atMost(UP).until(() -> !events.isEmpty());
        Thread.sleep(800);
        assertThat(events).containsExactly(new Ev("p-3", Kind.STARTUP, false, "connection refused"));
    }

    @Test
    void aPassingStartupProbeHandsOverToReadiness() throws Exception {
        InstanceHandle h = sampleApp("p-4");
        prober.watch("p-4", "127.0.0.1", h.port(), new Probes(http("/health", 50), tcp(3), null), Map.of(), listener);

        await().atMost(UP).until(() -> events.size() >= 2);
        assertThat(events).containsExactly(new Ev("p-4", Kind.STARTUP, true, "HTTP 200 from /health"),
                new Ev("p-4", Kind.READINESS, true, "connected to port " + h.port()));
    }

    @Test
    void httpErrorsAndRefusedConnectionsFailWithDetails() throws Exception {
        InstanceHandle h = sampleApp("p-5");
        int closedPort = Ports.freeLocalPort();
        prober.watch("p-5", "127.0.0.1", h.port(), new Probes(null, http("/fail?rate=1", 2), null), Map.of(), listener);
        prober.watch("p-6", "127.0.0.1", closedPort, new Probes(null, http("/health", 2), null), Map.of(), listener);

        await().atMost(UP).until(() -> events.size() >= 2);
        assertThat(events).containsExactlyInAnyOrder(
                new Ev("p-5", Kind.READINESS, false, "HTTP 500 from /fail?rate=1"),
                new Ev("p-6", Kind.READINESS, false, "connection refused"));
    }

    @Test
    void nothingIsDeliveredAfterUnwatch() throws Exception {
        InstanceHandle h = sampleApp("p-7");
        prober.watch("p-7", "127.0.0.1", h.port(), new Probes(null, http("/health", 1), http("/health", 1)), Map.of(),
                listener);
        await().atMost(UP).until(() -> events.size() == 1);

        prober.unwatch("p-7");
        driver.stop("p-7", Duration.ofSeconds(5)).get();
        Thread.sleep(1000); // several periods in which both probes would have failed

        assertThat(events).hasSize(1);
    }

    @Test
    void execProbesRunWithTheInstanceEnvAndTcpProbesConnect() throws Exception {
        InstanceHandle h = sampleApp("p-8");
        int port = h.port();
        prober.watch("e-ok", "127.0.0.1", port,
                new Probes(null, exec("sh", "-c", "test \"$PORT\" = " + port + " && test \"$APP_MODE\" = blue"
                        + " && test -z \"$NURI_TOKEN\""), null), Map.of("APP_MODE", "blue"), listener);
        prober.watch("e-bad", "127.0.0.1", port, new Probes(null, exec("sh", "-c", "exit 3"), null), Map.of(), listener);
        prober.watch("e-slow", "127.0.0.1", port, new Probes(null, exec("sleep", "5"), null), Map.of(), listener);
        prober.watch("e-none", "127.0.0.1", port, new Probes(null, exec("/nope/check"), null), Map.of(), listener);
        prober.watch("t-ok", "127.0.0.1", port, new Probes(null, tcp(1), null), Map.of(), listener);

        await().atMost(UP).until(() -> events.size() >= 5);
        assertThat(events).contains(
                new Ev("e-ok", Kind.READINESS, true, "exit code 0 from sh"),
                new Ev("e-bad", Kind.READINESS, false, "exit code 3 from sh"),
                new Ev("e-slow", Kind.READINESS, false, "timeout after 0.3 s"),
                new Ev("t-ok", Kind.READINESS, true, "connected to port " + port));
        assertThat(events).contains(
                new Ev("e-none", Kind.READINESS, false, "cannot run /nope/check: No such file or directory"));
    }
}

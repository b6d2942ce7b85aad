package io.nuri.control;

import static org.awaitility.Awaitility.await;

import io.nuri.api.codec.SpecException;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.runtime.probe.DefaultProber;
import io.nuri.runtime.process.ProcessDriver;
import io.nuri.store.SqliteStore;
import io.nuri.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real platform core without the API: SQLite store, process driver, prober and controller on
 * a temp data dir, running the sample app. Every process is stopped after each test.
 */
abstract class ControllerTestSupport {
    static final Path SAMPLE_JAR = findSampleJar();
    static final Duration LONG = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    Path data;
    Store store;
    ProcessDriver driver;
    DefaultProber prober;
    AppController controller;
    AppService apps;
    RolloutService rollouts;
    final Clock clock = Clock.systemUTC();

    ControllerSettings settings() {
        return ControllerSettings.DEFAULTS.withStopGrace(Duration.ofSeconds(5)).withArtifactGrace(Duration.ZERO);
    }

    InflightSource inflight() {
        return InflightSource.NONE;
    }

    CanaryMetrics canaryMetrics() {
        return CanaryMetrics.NONE;
    }

    @BeforeEach
    void startCore() {
        data = dir.resolve("data");
        store = SqliteStore.open(data);
        driver = ProcessDriver.builder().dataDir(data).build();
        prober = new DefaultProber();
        startController();
        apps = new AppService(store, new ArtifactStore(data.resolve("artifacts")), clock);
        rollouts = new RolloutService(store, clock);
    }

    void startController() {
        controller = new AppController(store, driver, prober, data, settings(), clock, inflight(), canaryMetrics());
        controller.start();
    }

    @AfterEach
    void stopCore() {
        if (controller != null) {
            controller.close();
        }
        prober.close();
        driver.close(); // stops every instance within its grace
        store.close();
    }

    /** The sample app with APP_VERSION {@code version}, a fast readiness probe and {@code rollout} settings. */
    static String sample(String name, int replicas, String version, String jar, String rollout) {
        return """
                apiVersion: nuri.io/v1
                kind: App
                metadata: {name: %s}
                spec:
                  run:
                    jar: %s
                    javaOpts: ["-XX:TieredStopAtLevel=1", "-Xmx48m"]
                  env: {APP_VERSION: %s}
                  replicas: %d
                  probes:
                    readiness: {http: {path: /health}, periodSeconds: 0.25}
                  rollout: %s
                """.formatted(name, jar, version, replicas, rollout);
    }

    static String sample(String name, int replicas, String version, String rollout) {
        return sample(name, replicas, version, SAMPLE_JAR.toString(), rollout);
    }

    List<AppService.ApplyResult> apply(String yaml) throws SpecException {
        return apps.apply("test.yaml", yaml, dir, false);
    }

    List<Instance> instances(String app) {
        return store.instances("default", app);
    }

    List<Instance> ready(String app) {
        return instances(app).stream().filter(i -> i.state() == InstanceState.Ready).toList();
    }

    RolloutService.View awaitPhase(String app, RolloutStatus.Phase phase, int revision) {
        await(app + " " + phase + " at revision " + revision).atMost(LONG).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    RolloutService.View v = rollouts.status("default", app);
                    return v.phase() == phase && v.revision() == revision;
                });
        return rollouts.status("default", app);
    }

    /** A copy of the sample jar with one more entry: other bytes, same program (a "rebuild"). */
    static void build(Path target, String marker) throws IOException {
        try (InputStream in = Files.newInputStream(SAMPLE_JAR); ZipInputStream zin = new ZipInputStream(in);
                OutputStream out = Files.newOutputStream(target); ZipOutputStream zout = new ZipOutputStream(out)) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                zout.putNextEntry(new ZipEntry(e.getName()));
                zin.transferTo(zout);
                zout.closeEntry();
            }
            zout.putNextEntry(new ZipEntry("build.txt"));
            zout.write(marker.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            zout.closeEntry();
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    private static Path findSampleJar() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path jar = p.resolve("examples/sample-app/target/sample-app.jar");
            if (Files.exists(jar)) {
                return jar;
            }
        }
        throw new IllegalStateException("examples/sample-app/target/sample-app.jar not found; build the reactor first");
    }
}

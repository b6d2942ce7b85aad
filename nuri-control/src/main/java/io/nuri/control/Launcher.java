package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.RevisionTemplate;
import io.nuri.api.spec.VolumeSpec;
import io.nuri.runtime.Driver;
import io.nuri.runtime.DriverException;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.runtime.LaunchSpec;
import io.nuri.runtime.Ports;
import io.nuri.runtime.Prober;
import io.nuri.store.Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts instances, new or restarted in place, and watches them: the one place a process is
 * forked and its exit and probe callbacks are turned into {@link Observation}s. Scaling, rolling,
 * healing and recovery all start processes through here, so every instance gets the same record
 * order (written before the fork), volumes, env and watches. A start that fails is recorded as a
 * crash with a backoff, for {@link Healing#restartDue} to retry.
 */
final class Launcher {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller
    private static final String LOOPBACK = "127.0.0.1";

    private final Store store;
    private final Driver driver;
    private final Prober prober;
    private final Clock clock;
    private final ControllerSettings settings;
    private final Path dataDir;
    private final CrashStreaks crashStreaks;
    private final Requeue requeue;
    private final Consumer<Observation> observe;
    private final SecureRandom random = new SecureRandom();

    Launcher(Store store, Driver driver, Prober prober, Clock clock, ControllerSettings settings, Path dataDir,
            CrashStreaks crashStreaks, Requeue requeue, Consumer<Observation> observe) {
        this.store = store;
        this.driver = driver;
        this.prober = prober;
        this.clock = clock;
        this.settings = settings;
        this.dataDir = dataDir;
        this.crashStreaks = crashStreaks;
        this.requeue = requeue;
        this.observe = observe;
    }

    /** A new instance of {@code rev}, with a fresh id. */
    void startNew(StoredApp app, Revision rev) {
        Instance fresh = new Instance.Builder()
                .id(newInstanceId(app.name(), rev.hash()))
                .namespace(app.namespace()).app(app.name()).revision(rev.number())
                .state(InstanceState.Pending).createdAt(clock.instant()).build();
        launch(app, rev, fresh, "Started", null);
    }

    /**
     * Starts {@code inst} (new, or restarted in place). The record is written before the
     * process exists, so a crash between fork and the second write leaves a record without a
     * handle; recovery then reaps the stray process by its owner marker.
     */
    void launch(StoredApp app, Revision rev, Instance inst, String reason, String message) {
        int port = Ports.freeLocalPort();
        Instance pending = inst.toBuilder().state(InstanceState.Pending).port(port).pid(0).handle(null)
                .nextRestartAt(null).build();
        store.write(tx -> {
            tx.putInstance(pending);
            return null;
        });
        LaunchSpec spec;
        try {
            spec = launchSpec(app, rev, pending);
        } catch (IOException e) {
            failedToStart(pending, "cannot prepare volumes: " + e.getMessage());
            return;
        }
        InstanceHandle handle;
        try {
            handle = driver.start(spec);
        } catch (DriverException | RuntimeException e) {
            failedToStart(pending, "failed to start: " + e.getMessage());
            return;
        }
        Instant now = clock.instant();
        Instance started = pending.toBuilder().state(InstanceState.Starting).pid(handle.pid()).port(handle.port())
                .startedAt(now).readyAt(null).reason(null).handle(Json.write(handle)).build();
        String text = message != null ? message
                : inst.id() + " started (revision " + rev.number() + ", pid " + handle.pid() + ", port " + port + ")";
        store.write(tx -> {
            tx.putInstance(started);
            tx.appendEvent(Event.normal(app.namespace(), app.name(), inst.id(), reason, text));
            return null;
        });
        log.info("app={} instance={} revision={} {}", app.key(), inst.id(), rev.number(), text);
        watch(started, rev.template(), spec.env());
    }

    /** Turns the process's exit and its probe transitions into observations for the loop. */
    void watch(Instance inst, RevisionTemplate template, Map<String, String> env) {
        String appKey = inst.appKey();
        long pid = inst.pid();
        driver.exit(inst.id()).whenComplete((status, error) -> observe.accept(new Observation.Exited(appKey, inst.id(),
                pid, status != null ? status : new ExitStatus(null, 0, "lost: " + error, clock.instant()))));
        prober.watch(inst.id(), LOOPBACK, inst.port(), template.probes(), env,
                (id, kind, passing, detail) -> observe.accept(
                        new Observation.ProbeChanged(appKey, id, pid, kind, passing, detail)));
    }

    private void failedToStart(Instance inst, String why) {
        int streak = crashStreaks.next(inst.id(), false);
        Duration delay = settings.backoff(Math.max(streak, 2));
        store.write(tx -> {
            tx.putInstance(inst.toBuilder().state(InstanceState.Failed).reason(why)
                    .nextRestartAt(clock.instant().plus(delay)).build());
            tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "FailedStart",
                    inst.id() + " " + why + "; retrying in " + Seconds.of(delay)));
            return null;
        });
        log.warn("app={} instance={} revision={} {}", inst.appKey(), inst.id(), inst.revision(), why);
        requeue.after(inst.appKey(), delay);
    }

    private LaunchSpec launchSpec(StoredApp app, Revision rev, Instance inst) throws IOException {
        Path logDir = dataDir.resolve("logs").resolve(app.namespace()).resolve(app.name());
        return new LaunchSpec(inst.id(), app.namespace(), app.name(), rev.number(), rev.template().run(),
                instanceEnv(app.namespace(), app.name(), rev.template()), inst.port(), rev.template().resources(),
                logDir, settings.stopGrace());
    }

    /** The app's env plus one variable per volume, whose folder is created if missing. */
    Map<String, String> instanceEnv(String namespace, String app, RevisionTemplate t) throws IOException {
        Map<String, String> env = new LinkedHashMap<>(t.env());
        for (VolumeSpec v : t.volumes()) {
            Path dir = dataDir.resolve("volumes").resolve(namespace).resolve(app).resolve(v.name());
            Files.createDirectories(dir);
            env.put(v.envVar(), dir.toString());
        }
        return env;
    }

    private String newInstanceId(String app, String revisionHash) {
        String alphabet = "bcdfghjklmnpqrstvwxz2456789"; // no vowels: ids never spell words
        StringBuilder sb = new StringBuilder(app).append('-').append(revisionHash, 0, 5).append('-');
        for (int i = 0; i < 5; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}

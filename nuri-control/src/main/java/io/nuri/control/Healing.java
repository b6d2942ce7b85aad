package io.nuri.control;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.RestartPolicy;
import io.nuri.runtime.Driver;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.Prober;
import io.nuri.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps each instance itself healthy, in place: applies what the runtime observed (an exit, a
 * probe turning) to the instance's record, and restarts crashed or unhealthy instances under the
 * restart policy with a crash backoff (see {@link ControllerSettings#backoff}). A restart keeps
 * the instance id and counts {@code restarts}; replacing instances is the rolling step's job, so
 * an old revision's crashed slot during a rollout is removed here, not restarted.
 */
final class Healing {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;
    private final Driver driver;
    private final Prober prober;
    private final Clock clock;
    private final ControllerSettings settings;
    private final CrashStreaks crashStreaks;
    private final Launcher launcher;
    private final Draining draining;
    private final Requeue requeue;
    /** Instances being stopped to be restarted in place (failed liveness/startup), with why. */
    private final Map<String, String> restartReason = new HashMap<>();

    Healing(Store store, Driver driver, Prober prober, Clock clock, ControllerSettings settings,
            CrashStreaks crashStreaks, Launcher launcher, Draining draining, Requeue requeue) {
        this.store = store;
        this.driver = driver;
        this.prober = prober;
        this.clock = clock;
        this.settings = settings;
        this.crashStreaks = crashStreaks;
        this.launcher = launcher;
        this.draining = draining;
        this.requeue = requeue;
    }

    /**
     * An exit: the end of a stop on purpose, or a crash (or a probe kill) that the restart policy
     * answers with a restart after the backoff, or not at all.
     */
    void onExit(Instance inst, ExitStatus status) {
        prober.unwatch(inst.id());
        Instant now = clock.instant();
        if (inst.state() == InstanceState.Terminating) {
            draining.stopped(inst, status);
            crashStreaks.forget(inst.id());
            return;
        }
        String why = Optional.ofNullable(restartReason.remove(inst.id())).orElse(status.reason());
        RestartPolicy policy = restartPolicy(inst);
        boolean restart = policy == RestartPolicy.Always || policy == RestartPolicy.OnFailure && !status.succeeded();
        if (!restart) {
            InstanceState end = status.succeeded() ? InstanceState.Succeeded : InstanceState.Failed;
            store.write(tx -> {
                tx.putInstance(inst.toBuilder().state(end).lastExitCode(status.code()).reason(why)
                        .nextRestartAt(null).build());
                tx.appendEvent(event(end == InstanceState.Failed, inst, "Exited",
                        inst.id() + " exited: " + why + "; not restarted (restartPolicy " + policy + ")"));
                return null;
            });
            return;
        }
        boolean ranStable = inst.startedAt() != null
                && Duration.between(inst.startedAt(), status.at()).compareTo(settings.stableAfter()) >= 0;
        int streak = crashStreaks.next(inst.id(), ranStable);
        Duration delay = settings.backoff(streak);
        store.write(tx -> {
            tx.putInstance(inst.toBuilder().state(InstanceState.Failed).lastExitCode(status.code()).reason(why)
                    .nextRestartAt(now.plus(delay)).build());
            tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "Exited",
                    inst.id() + " exited: " + why + "; restarting " + (delay.isZero() ? "now" : "in " + Seconds.of(delay))));
            return null;
        });
        log.warn("app={} instance={} revision={} exited: {}; restart in {}", inst.appKey(), inst.id(),
                inst.revision(), why, Seconds.of(delay));
    }

    /**
     * A probe turned: failed liveness or startup kills the process (its exit then restarts it);
     * readiness moves the instance between Ready and Unready.
     */
    void onProbe(Instance inst, Observation.ProbeChanged p) {
        if (!inst.state().isLive()) {
            return;
        }
        boolean kill = !p.passing() && (p.kind() == Prober.Kind.LIVENESS || p.kind() == Prober.Kind.STARTUP);
        if (kill) {
            String why = p.kind().name().toLowerCase(java.util.Locale.ROOT) + " probe failed: " + p.detail();
            restartReason.put(inst.id(), why);
            prober.unwatch(inst.id());
            store.write(tx -> {
                tx.putInstance(inst.withState(InstanceState.Unready, why));
                tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "Unhealthy",
                        inst.id() + " " + why + "; restarting it"));
                return null;
            });
            log.warn("app={} instance={} revision={} {}; killing it", inst.appKey(), inst.id(), inst.revision(), why);
            driver.stop(inst.id(), settings.stopGrace());
            return;
        }
        if (p.kind() != Prober.Kind.READINESS) {
            return;
        }
        if (p.passing() && inst.state() != InstanceState.Ready) {
            Instant now = clock.instant();
            String after = inst.startedAt() == null ? "" : " after " + Seconds.of(Duration.between(inst.startedAt(), now));
            store.write(tx -> {
                tx.putInstance(inst.toBuilder().state(InstanceState.Ready).readyAt(now).reason(null).build());
                tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Ready",
                        inst.id() + " is ready (revision " + inst.revision() + ", port " + inst.port() + ")" + after));
                return null;
            });
        } else if (!p.passing() && inst.state() == InstanceState.Ready) {
            store.write(tx -> {
                tx.putInstance(inst.withState(InstanceState.Unready, "readiness probe failed: " + p.detail()));
                tx.appendEvent(Event.warning(inst.namespace(), inst.app(), inst.id(), "Unready",
                        inst.id() + " is not ready: " + p.detail()));
                return null;
            });
        }
    }

    /** Instances waiting out their backoff: restart the ones that are due, requeue for the rest. */
    void restartDue(StoredApp app, List<Instance> instances, Map<Integer, Revision> revisions, boolean canary) {
        Instant now = clock.instant();
        for (Instance inst : instances) {
            if (inst.state() != InstanceState.Failed || inst.nextRestartAt() == null) {
                continue;
            }
            if (inst.nextRestartAt().isAfter(now)) {
                requeue.at(app.key(), inst.nextRestartAt());
                continue;
            }
            Revision rev = revisions.get(inst.revision());
            if (rev == null || !canary && inst.revision() != app.revision() && countLive(instances, app.revision()) > 0) {
                // An old revision's slot during a rollout: replace rather than restart it (but
                // during a canary the old instances are the app: they restart in place).
                store.write(tx -> {
                    tx.deleteInstance(inst.id());
                    return null;
                });
                continue;
            }
            int restarts = inst.restarts() + 1;
            int streak = crashStreaks.current(inst.id());
            String message = inst.id() + " restarted: " + inst.reason() + " (" + Ordinals.of(restarts)
                    + " restart, next backoff " + Seconds.of(settings.backoff(streak + 1)) + ")";
            launcher.launch(app, rev, inst.toBuilder().restarts(restarts).build(), "Restarted", message);
        }
    }

    private RestartPolicy restartPolicy(Instance inst) {
        return store.revision(inst.namespace(), inst.app(), inst.revision())
                .map(r -> r.template().restartPolicy()).orElse(RestartPolicy.Always);
    }

    private static long countLive(List<Instance> instances, int revision) {
        return instances.stream().filter(i -> i.revision() == revision && i.state().isLive()).count();
    }

    private static Event event(boolean warning, Instance inst, String reason, String message) {
        return warning ? Event.warning(inst.namespace(), inst.app(), inst.id(), reason, message)
                : Event.normal(inst.namespace(), inst.app(), inst.id(), reason, message);
    }
}

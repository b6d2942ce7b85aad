package io.nuri.control;

import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stopping instances on purpose (scale-down, replacement, an operator's restart, deletion), and
 * the end of it. An instance that was ever Ready is first marked Terminating (the endpoint
 * registry drops it at that commit), then gets SIGTERM once the gateway reports no request in
 * flight ({@link InflightSource}) and at least {@code minDrain} has passed, or when its grace
 * period is over; SIGKILL follows after the rest of the grace. Crash and liveness restarts are
 * not drained (see {@link Healing}): the process is gone or broken already.
 *
 * <p>Which instances are draining, and since when, lives only here and in memory; recovery
 * starts the drain of a re-adopted Terminating instance again.
 */
final class Draining {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;
    private final Driver driver;
    private final Prober prober;
    private final Clock clock;
    private final ControllerSettings settings;
    private final InflightSource inflight;
    private final Requeue requeue;
    /** Instances out of the endpoint set waiting for their in-flight requests, and since when. */
    private final Map<String, Instant> draining = new HashMap<>();

    Draining(Store store, Driver driver, Prober prober, Clock clock, ControllerSettings settings,
            InflightSource inflight, Requeue requeue) {
        this.store = store;
        this.driver = driver;
        this.prober = prober;
        this.clock = clock;
        this.settings = settings;
        this.inflight = inflight;
        this.requeue = requeue;
    }

    /**
     * Stops an instance for good. A record with no process behind it goes at once. A process
     * that was ever Ready is drained: marked Terminating now (which takes it out of the endpoint
     * set at this commit), stopped later by {@link #progressDrains}. Any other process gets
     * SIGTERM and its grace period at once. The record goes when the exit is observed.
     */
    void terminate(Instance inst, String why) {
        prober.unwatch(inst.id());
        boolean hasProcess = driver.running().contains(inst.id());
        boolean drain = hasProcess && inst.readyAt() != null && inst.state().isLive();
        store.write(tx -> {
            if (hasProcess) {
                tx.putInstance(inst.withState(InstanceState.Terminating, drain ? "draining: " + why : why));
            } else {
                tx.deleteInstance(inst.id());
            }
            tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), hasProcess ? "Stopping" : "Removed",
                    (hasProcess ? "stopping " : "removed ") + inst.id() + ": " + why + (drain ? " (draining first)" : "")));
            return null;
        });
        if (drain) {
            Instant now = clock.instant();
            draining.put(inst.id(), now);
            requeue.at(inst.appKey(), now.plus(settings.minDrain()));
        } else if (hasProcess) {
            driver.stop(inst.id(), settings.stopGrace());
        }
    }

    /**
     * Draining instances whose requests are done (or whose grace is over) get SIGTERM and the
     * rest of their grace period (at least 1 s); the others are looked at again shortly. Never
     * waits on the controller thread.
     */
    void progressDrains(String appKey, List<Instance> instances) {
        Instant now = clock.instant();
        for (Instance inst : instances) {
            Instant since = draining.get(inst.id());
            if (since == null) {
                continue;
            }
            if (inst.state() != InstanceState.Terminating) {
                draining.remove(inst.id());
                continue;
            }
            Duration drained = Duration.between(since, now);
            if (drained.compareTo(settings.minDrain()) < 0) {
                requeue.at(appKey, since.plus(settings.minDrain()));
                continue;
            }
            int busy;
            try {
                busy = inflight.inflight(inst.id());
            } catch (RuntimeException e) {
                log.warn("app={} instance={} in-flight count unavailable ({}); treating it as 0", appKey, inst.id(),
                        e.toString());
                busy = 0;
            }
            boolean graceOver = drained.compareTo(settings.stopGrace()) >= 0;
            if (busy > 0 && !graceOver) {
                requeue.at(appKey, now.plus(settings.drainPoll()));
                continue;
            }
            draining.remove(inst.id());
            Duration rest = settings.stopGrace().minus(drained);
            if (rest.compareTo(Duration.ofSeconds(1)) < 0) {
                rest = Duration.ofSeconds(1);
            }
            log.info("app={} instance={} revision={} drained in {} ({} in flight); SIGTERM, {} to exit", appKey,
                    inst.id(), inst.revision(), Seconds.of(drained.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)),
                    busy, Seconds.of(rest.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
            driver.stop(inst.id(), rest);
        }
    }

    /** Like {@link #terminate}, for instances already on their way out. */
    void stopOrForget(Instance inst, String why) {
        if (inst.state() != InstanceState.Terminating) {
            terminate(inst, why);
        } else if (!driver.running().contains(inst.id())) {
            forgetStopped(inst);
        }
    }

    /** Terminating records among {@code instances} whose process is gone: forgotten. */
    void forgetGone(List<Instance> instances) {
        instances.stream()
                .filter(i -> i.state() == InstanceState.Terminating && !driver.running().contains(i.id()))
                .forEach(this::forgetStopped);
    }

    /** A Terminating record whose process is gone but whose exit we did not hear of. */
    private void forgetStopped(Instance inst) {
        store.write(tx -> {
            tx.deleteInstance(inst.id());
            tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Stopped", inst.id() + " stopped"));
            return null;
        });
    }

    /** The observed exit of a Terminating instance: the stop is done, the record goes. */
    void stopped(Instance inst, ExitStatus status) {
        draining.remove(inst.id());
        store.write(tx -> {
            tx.deleteInstance(inst.id());
            tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Stopped",
                    inst.id() + " stopped: " + status.reason()));
            return null;
        });
        log.info("app={} instance={} revision={} stopped: {}", inst.appKey(), inst.id(), inst.revision(),
                status.reason());
    }

    /**
     * A Terminating instance re-adopted after a platform restart drains again from {@code since}:
     * its in-flight requests are unknown here.
     */
    void resume(String instanceId, Instant since) {
        draining.put(instanceId, since);
    }
}

package io.nuri.control;

import io.nuri.api.codec.Json;
import io.nuri.api.model.Event;
import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.runtime.Driver;
import io.nuri.runtime.ExitStatus;
import io.nuri.runtime.InstanceHandle;
import io.nuri.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery at controller start, as Nomad's {@code RecoverTask}: re-adopts the processes that
 * outlived the controller from their persisted handles and re-arms their watches (or their
 * drain), marks the rest for a restart and reaps strays. Runs once, on the controller thread,
 * before the first pass, so every pass sees records that a process backs or that are due.
 */
final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Store store;
    private final Driver driver;
    private final Clock clock;
    private final Launcher launcher;
    private final Draining draining;
    private final HistoryCleanup cleanup;
    private final Consumer<Observation> observe;

    Recovery(Store store, Driver driver, Clock clock, Launcher launcher, Draining draining, HistoryCleanup cleanup,
            Consumer<Observation> observe) {
        this.store = store;
        this.driver = driver;
        this.clock = clock;
        this.launcher = launcher;
        this.draining = draining;
        this.cleanup = cleanup;
        this.observe = observe;
    }

    /**
     * After a restart of the platform: every instance record either gets its process back
     * (proven by the driver) or is started again; every process of ours that no record claims
     * is stopped. Never two live copies of an instance, never an orphan.
     */
    void recover() {
        Set<String> adopted = new HashSet<>();
        for (Instance inst : store.instances()) {
            Optional<InstanceHandle> handle = Optional.empty();
            if (inst.handle() != null) {
                handle = driver.recover(Json.read(inst.handle(), InstanceHandle.class));
            }
            if (handle.isPresent()) {
                adopted.add(inst.id());
                InstanceHandle h = handle.get();
                Instance live = inst.toBuilder().pid(h.pid()).port(h.port()).handle(Json.write(h)).build();
                if (!live.equals(inst)) {
                    store.write(tx -> {
                        tx.putInstance(live);
                        return null;
                    });
                }
                if (inst.state() == InstanceState.Terminating) {
                    driver.exit(inst.id()).whenComplete((s, e) -> observe.accept(new Observation.Exited(inst.appKey(),
                            inst.id(), live.pid(), s != null ? s : new ExitStatus(null, 0, "stopped", clock.instant()))));
                    draining.resume(inst.id(), clock.instant()); // drain again: in-flight requests are unknown here
                } else {
                    Optional<Revision> rev = store.revision(inst.namespace(), inst.app(), inst.revision());
                    if (rev.isPresent()) {
                        try {
                            launcher.watch(live, rev.get().template(),
                                    launcher.instanceEnv(inst.namespace(), inst.app(), rev.get().template()));
                        } catch (IOException e) {
                            log.warn("app={} instance={} cannot prepare probe env: {}", inst.appKey(), inst.id(), e.toString());
                        }
                    }
                }
                log.info("app={} instance={} revision={} re-adopted (pid {})", inst.appKey(), inst.id(),
                        inst.revision(), h.pid());
            } else if (inst.state() == InstanceState.Terminating) {
                store.write(tx -> {
                    tx.deleteInstance(inst.id());
                    return null;
                });
            } else if (inst.state().isLive()) {
                // Its process is gone (platform stopped, machine rebooted): start it again now,
                // without counting it as a crash of the app.
                store.write(tx -> {
                    tx.putInstance(inst.toBuilder().state(InstanceState.Failed).pid(0).handle(null)
                            .reason("process gone after a platform restart").nextRestartAt(clock.instant()).build());
                    tx.appendEvent(Event.normal(inst.namespace(), inst.app(), inst.id(), "Lost",
                            inst.id() + " was not running after the platform restarted; starting it again"));
                    return null;
                });
            }
        }
        Collection<String> reaped = driver.reapStrays(adopted);
        if (!reaped.isEmpty()) {
            log.warn("stopped {} stray process(es) no record claims: {}", reaped.size(), reaped);
        }
        cleanup.collectArtifacts();
    }
}

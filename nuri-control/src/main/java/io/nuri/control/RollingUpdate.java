package io.nuri.control;

import io.nuri.api.model.Instance;
import io.nuri.api.model.InstanceState;
import io.nuri.api.model.Revision;
import io.nuri.api.model.StoredApp;
import io.nuri.api.spec.Rollout;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scaling and rolling ({@code rolling.go}): one step per pass toward the spec's replicas of the
 * current revision, and the one place that decides how many instances start and which stop.
 * The arithmetic on counts is {@link Rolling}'s (with a worked example); this class applies it to
 * the instances it finds, starting through {@link Launcher} and stopping through
 * {@link Draining}.
 */
final class RollingUpdate {
    private static final Logger log = LoggerFactory.getLogger(AppController.class); // every path logs as the controller

    private final Clock clock;
    private final Launcher launcher;
    private final Draining draining;

    RollingUpdate(Clock clock, Launcher launcher, Draining draining) {
        this.clock = clock;
        this.launcher = launcher;
        this.draining = draining;
    }

    /**
     * One step toward the spec: start new instances within the surge; else stop surplus ones of
     * the current revision (a plain scale-down); else stop old ones as far as availability
     * allows. While a canary is in effect the step is only: one instance of the new revision next
     * to every old one. Returns whether it changed anything.
     */
    boolean step(StoredApp app, List<Instance> instances, Map<Integer, Revision> revisions, boolean canary) {
        int desired = app.app().spec().replicas();
        Rollout spec = app.app().spec().rollout();
        Duration minReady = Duration.ofSeconds(spec.minReadySeconds());
        Instant now = clock.instant();
        List<Instance> current = new ArrayList<>();
        List<Instance> old = new ArrayList<>();
        for (Instance i : instances) {
            if (i.state() == InstanceState.Terminating || i.state() == InstanceState.Succeeded) {
                continue;
            }
            (i.revision() == app.revision() ? current : old).add(i);
        }
        Revision rev = revisions.get(app.revision());
        if (rev == null) {
            log.error("app={} points at revision {} which is not stored", app.key(), app.revision());
            return false;
        }
        if (canary && desired >= 1 && !old.isEmpty()) {
            // The canary step: exactly one instance of the new revision next to every old one.
            if (current.isEmpty()) {
                launcher.startNew(app, rev);
                return true;
            }
            return false;
        }
        int toStart = old.isEmpty() ? desired - current.size()
                : Rolling.newToStart(desired, Rolling.surge(spec, desired), current.size(), current.size() + old.size());
        if (toStart > 0) {
            for (int n = 0; n < toStart; n++) {
                launcher.startNew(app, rev);
            }
            return true;
        }
        if (current.size() > desired) {
            byStopPreference(current).stream().limit(current.size() - desired)
                    .forEach(i -> draining.terminate(i, "scaled down to " + desired + " replicas"));
            return true;
        }
        if (old.isEmpty()) {
            return false;
        }
        List<Instance> oldAvailable = new ArrayList<>();
        List<Instance> oldUnhealthy = new ArrayList<>();
        for (Instance i : old) {
            (RolloutStatus.isAvailable(i, minReady, now) ? oldAvailable : oldUnhealthy).add(i);
        }
        int newAvailable = (int) current.stream().filter(i -> RolloutStatus.isAvailable(i, minReady, now)).count();
        Rolling.OldStep step = Rolling.oldToStop(desired, Rolling.unavailable(spec, desired),
                current.size() + old.size(), current.size(), newAvailable, old.size(), oldAvailable.size());
        if (step.total() == 0) {
            return false;
        }
        String why = "replaced by revision " + app.revision();
        byStopPreference(oldUnhealthy).stream().limit(step.unhealthy()).forEach(i -> draining.terminate(i, why));
        byStopPreference(oldAvailable).stream().limit(step.available()).forEach(i -> draining.terminate(i, why));
        return true;
    }

    /** Not serving first, then the youngest: the oldest Ready instances are the proven ones. */
    private static List<Instance> byStopPreference(List<Instance> instances) {
        List<Instance> sorted = new ArrayList<>(instances);
        sorted.sort(Comparator.comparing((Instance i) -> i.state().isLive())
                .thenComparing((Instance i) -> i.state() == InstanceState.Ready)
                .thenComparing(Instance::createdAt, Comparator.nullsFirst(Comparator.reverseOrder())));
        return sorted;
    }
}
